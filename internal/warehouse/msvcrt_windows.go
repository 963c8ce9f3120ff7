package warehouse

// DuckDB's prebuilt Windows libraries (duckdb-go-bindings/lib/windows-amd64)
// are compiled for the Universal C Runtime (UCRT), as MSYS2's ucrt64
// toolchain targets. Debian's cross compiler (mingw-w64 10, gcc 12), which
// `make cross` uses, targets the older msvcrt.dll, which has all but five of
// the entry points the libraries call: msvcrt_windows.c and
// msvcrt_windows.cpp supply those five on top of msvcrt. With a UCRT
// toolchain (which defines _UCRT) both files compile to nothing.

import "C"
