#pragma once
// SecLang (ModSecurity rule language) parsing: the first stage of the rule engine (issue 3).
// Turns rule files -- OWASP CRS unmodified -- into directives with their variables, operator
// and actions parsed, following Include directives with globs. It does not evaluate anything.
// Directives the engine will not apply (logging, audit, PCRE limits, ...) are parsed and listed
// as not applicable, never silently dropped. Never throws; errors carry file and line.
// Thread-safe: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "keikai/core/status.h"

namespace keikai::rules {

struct Variable {
  std::string name;           // upper-case collection or variable name, e.g. "ARGS", "TX"
  std::string selector;       // "foo" in ARGS:foo, the regex text in ARGS:/^foo/, "" if none
  bool selector_regex = false;
  bool exclude = false;       // !ARGS:foo
  bool count = false;         // &ARGS
};

struct Operator {
  std::string name = "rx";    // without the '@'
  std::string argument;
  bool negated = false;       // !@rx
};

struct Action {
  std::string name;           // lower-cased ("id", "phase", "setvar", "t", ...)
  std::string value;          // unquoted ('...' removed, \' unescaped), "" if none
};

enum class Kind {
  kRule,                  // SecRule
  kAction,                // SecAction
  kMarker,                // SecMarker
  kDefaultAction,         // SecDefaultAction
  kUpdateTargetById,      // SecRuleUpdateTargetById
  kUpdateTargetByTag,
  kUpdateTargetByMsg,
  kUpdateActionById,      // SecRuleUpdateActionById
  kRemoveById,            // SecRuleRemoveById
  kRemoveByTag,
  kRemoveByMsg,
  kComponentSignature,
  kSetting,               // engine settings keikai applies (SecRuleEngine, request-body ones)
  kNotApplicable,         // recognised, parsed, and reported as not applicable
};

struct Directive {
  Kind kind = Kind::kNotApplicable;
  std::string name;                 // as written, e.g. "SecRule"
  std::vector<std::string> args;    // the raw arguments (quotes removed)
  std::vector<Variable> variables;  // SecRule, SecRuleUpdateTarget*
  Operator op;                      // SecRule
  std::vector<Action> actions;      // SecRule, SecAction, SecDefaultAction
  std::string file;
  int line = 0;

  // The value of the first action with this name, or nullptr.
  const Action* Find(std::string_view action) const;
};

struct ParseResult {
  std::vector<Directive> directives;
  std::vector<std::string> not_applicable;  // "file:line Name" of each such directive
};

// Parses one file's text. Include directives are returned as kNotApplicable here (LoadFiles
// resolves them).
Result<ParseResult> ParseText(std::string_view text, const std::string& file);
// Loads files in order, following Include (globs, relative to the including file) up to a depth
// of 16 and refusing include cycles.
Result<ParseResult> LoadFiles(const std::vector<std::string>& paths);

// Building blocks, exposed for tests and fuzzing.
Result<std::vector<Variable>> ParseVariables(std::string_view text);
Result<Operator> ParseOperator(std::string_view text);
Result<std::vector<Action>> ParseActions(std::string_view text);

}  // namespace keikai::rules
