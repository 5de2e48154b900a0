# One warnings list for the whole project; -Werror in CI (KEIKAI_WERROR=ON).
add_library(keikai_warnings INTERFACE)
target_compile_options(keikai_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual
  -Wimplicit-fallthrough -Wformat=2)
# -Wnull-dereference is left out: with GCC 12 it fires inside libstdc++ (istreambuf_iterator).
# GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string at -O2/-O3
# (GCC bug 105329); they are not in our code, so the warning is off for GCC 12.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(keikai_warnings INTERFACE -Wno-restrict)
endif()
if(KEIKAI_WERROR)
  target_compile_options(keikai_warnings INTERFACE -Werror)
endif()
