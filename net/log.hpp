#pragma once

// Diagnostics of net/: a failed operation only ever ends its own connection, so errors are
// reported, never thrown. Set ATRIUM_NET_DEBUG=1 to see the expected ones too (EOF, resets).

#include <boost/system/error_code.hpp>

namespace atrium::net {

/// Reports `ec` for the operation `what` (to stderr, quietly for the usual end-of-connection
/// errors) and returns nothing, so handlers can say `if (ec) return fail(ec, "read");`.
void fail(const boost::system::error_code& ec, const char* what);

/// Whether ATRIUM_NET_DEBUG is set.
bool debug_enabled();

} // namespace atrium::net
