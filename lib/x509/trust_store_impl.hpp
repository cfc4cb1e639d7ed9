// trust_store's hidden state, shared by trust_store.cpp and the path validator.
#pragma once

#include <openssl/x509_vfy.h>

#include <atomic>
#include <cstdint>

#include "tls13/x509.hpp"

namespace tls13 {

struct trust_store::impl {
  X509_STORE* store = X509_STORE_new();
  // Bumped by every change (add_*): a verifier's remembered acceptances hold the value they were
  // made under, since a new anchor can change the path libcrypto builds (X509_V_FLAG_TRUSTED_FIRST).
  std::atomic<std::uint64_t> generation{0};
  impl() = default;
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  ~impl() { X509_STORE_free(store); }
};

}  // namespace tls13
