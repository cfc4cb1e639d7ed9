// The headers (nearly) every test parses, precompiled once for all test targets (tests/CMakeLists.txt):
// GoogleTest, nlohmann/json via test_support.hpp, the standard library and the public API. Only headers
// that any test may see together: pair.hpp and cert_factory.hpp are not here (they both define `pki`).
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include "tls13/config.hpp"
#include "tls13/connection.hpp"
#include "tls13/keys.hpp"
#include "tls13/x509.hpp"
