// trust_store's hidden state, shared by trust_store.cpp and the path validator.
#pragma once

#include <openssl/x509_vfy.h>

#include "tls13/x509.hpp"

namespace tls13 {

struct trust_store::impl {
  X509_STORE* store = X509_STORE_new();
  impl() = default;
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  ~impl() { X509_STORE_free(store); }
};

}  // namespace tls13
