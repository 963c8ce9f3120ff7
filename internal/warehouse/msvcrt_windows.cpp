// The one libstdc++ function DuckDB's prebuilt Windows libraries need in
// its UCRT form (see msvcrt_windows.go): std::streambuf's default seekpos,
// whose position type holds UCRT's 8-byte mbstate_t (_Mbstatet) where
// msvcrt's libstdc++ holds an int. It is reached only through the vtable of
// DuckDB's HTTP data sink, and like the default it stands for, it says the
// stream cannot seek.

#include <ios>

#ifndef _UCRT

struct _Mbstatet {
	unsigned long _Wchar;
	unsigned short _Byte, _State;
};

struct ucrtStreambuf {
	std::fpos<_Mbstatet> seekpos(std::fpos<_Mbstatet>, std::ios_base::openmode) __asm__("_ZNSt15basic_streambufIcSt11char_traitsIcEE7seekposESt4fposI9_MbstatetESt13_Ios_Openmode");
};

std::fpos<_Mbstatet> ucrtStreambuf::seekpos(std::fpos<_Mbstatet>, std::ios_base::openmode) {
	return std::fpos<_Mbstatet>(std::streamoff(-1));
}

#endif
