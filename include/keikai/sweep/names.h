#pragma once
// Does a folder or file name look like the random letters Emotet (2022) names its drop with
// ("Hcpqgxzyw", "jsgjklsx.dll")? The judgement keikai sweep makes on the folders directly under
// AppData\Local and AppData\Roaming and on the files in them.
//
// How: only names that could be such a name are judged: 5 to 32 ASCII letters, all lower case
// or one capital then lower case (CamelCase, capitals, digits, spaces, dots, '-', '_' and GUIDs
// are never random here). A judged name is random when the mean English-bigram rarity of its
// letters is low: each bigram has a bucket 0-9 (log2 of its count in English text, the licence
// texts Debian ships in /usr/share/common-licenses; scripts/gen_sweep_bigrams.py makes the
// table), and the name is random when the mean bucket is below 5. Real names that still look
// random (Cybozu, gnupg, texmf) are on a short list of known names.
//
// Where the threshold and the list came from, and what they do on names they were not tuned
// on, is in docs/sweep.md ("Random names"). Thread-safe (constant tables).
#include <string_view>

namespace keikai::sweep {

enum class NameClass {
  kNotJudged,  // not the shape of a random name (digits, CamelCase, too short...)
  kKnown,      // judged, and on the list of known names
  kOrdinary,   // judged, reads like a word
  kRandom,     // judged, reads like random letters
};

// name: a folder name, or a file's name without its extension (the caller splits it).
NameClass ClassifyName(std::string_view name);
inline bool IsRandomName(std::string_view name) { return ClassifyName(name) == NameClass::kRandom; }

// The mean bigram bucket of a letters-only name, times 100 (for the docs and tests); -1 when the
// name is not letters only or shorter than 2.
int MeanBigramBucket100(std::string_view name);

// {8-4-4-4-12} hex digits, with or without braces.
bool IsGuidName(std::string_view name);

}  // namespace keikai::sweep
