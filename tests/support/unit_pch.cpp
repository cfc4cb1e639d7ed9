// tls13_test_pch (tests/CMakeLists.txt) builds unit_pch.hpp's precompiled header, which every test
// target reuses; this program itself runs no test.
