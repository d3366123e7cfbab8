// DEBUG: true in the debug build (asconfig.json target debug, noAssert off), false in release.
// Structural assertions are written `if (DEBUG) assert(...)`: the release build compiles them out
// entirely (a bare assert would still evaluate its condition there: loads may trap, so the
// optimizer keeps them).
export const DEBUG: bool = !ASC_NO_ASSERT;
