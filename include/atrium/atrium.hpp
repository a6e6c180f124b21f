#pragma once

/// Atrium's public C++ API, all of it: a Socket.IO server for C++ applications. It reaches no
/// CAF and no Beast header (tests/api proves it), so an application builds against this alone.
///
///   atrium::server io;
///   io.on_connection([](atrium::socket& s) {
///     s.on("join", [&s](atrium::event& ev) {
///       if (auto room = ev.string(0)) {
///         s.join(std::string{*room});
///         ev.ack(atrium::raw_json{R"({"ok":true})"});
///       }
///     });
///   });
///   atrium::net::http_server http{{}, io};
///   http.start();

#include "atrium/adapter_event.hpp"
#include "atrium/args.hpp"
#include "atrium/broadcast_operator.hpp"
#include "atrium/cluster_options.hpp"
#include "atrium/disconnect_reason.hpp"
#include "atrium/gathered_replies.hpp"
#include "atrium/handshake.hpp"
#include "atrium/http_server.hpp"
#include "atrium/json.hpp"
#include "atrium/namespace.hpp"
#include "atrium/server.hpp"
#include "atrium/server_event.hpp"
#include "atrium/socket.hpp"
#include "atrium/socket_info.hpp"
