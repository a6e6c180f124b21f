// CAF 0.17's OpenSSL transport runs every TLS session on the one multiplexer thread and never
// clears that thread's OpenSSL error queue. After one failed handshake (any process without a
// certificate from our CA knocking at the cluster port), the failure stays queued, and the next
// SSL_read of a healthy peer link that merely has no data yet makes SSL_get_error report
// SSL_ERROR_SSL instead of SSL_ERROR_WANT_READ: CAF closes that link. A stranger could make the
// cluster flap once a second. OpenSSL requires an empty queue before each TLS I/O call
// (SSL_get_error(3)). These definitions, which the dynamic linker binds in place of libssl's for
// every caller in the process (CAF's session included), clear it, then call libssl's own.
//
// Interposition works only from the executable: atrium_actors' link options make every
// executable pull this file in. It needs no OpenSSL headers or link-time library.

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

extern "C" {
struct ssl_st;
int SSL_read(ssl_st* ssl, void* buf, int num);
int SSL_write(ssl_st* ssl, const void* buf, int num);
int SSL_accept(ssl_st* ssl);
int SSL_connect(ssl_st* ssl);
}

namespace {

template <class Fn>
Fn next_definition(const char* name) {
  auto found = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  if (found == nullptr) {
    // Only reachable if something calls TLS I/O without libssl being loaded: impossible.
    std::fprintf(stderr, "atrium: %s not found in libssl\n", name);
    std::abort();
  }
  return found;
}

void clear_error_queue() {
  static auto clear = next_definition<void (*)()>("ERR_clear_error");
  clear();
}

} // namespace

extern "C" int SSL_read(ssl_st* ssl, void* buf, int num) {
  static auto next = next_definition<int (*)(ssl_st*, void*, int)>("SSL_read");
  clear_error_queue();
  return next(ssl, buf, num);
}

extern "C" int SSL_write(ssl_st* ssl, const void* buf, int num) {
  static auto next = next_definition<int (*)(ssl_st*, const void*, int)>("SSL_write");
  clear_error_queue();
  return next(ssl, buf, num);
}

extern "C" int SSL_accept(ssl_st* ssl) {
  static auto next = next_definition<int (*)(ssl_st*)>("SSL_accept");
  clear_error_queue();
  return next(ssl);
}

extern "C" int SSL_connect(ssl_st* ssl) {
  static auto next = next_definition<int (*)(ssl_st*)>("SSL_connect");
  clear_error_queue();
  return next(ssl);
}
