#pragma once

/// Atrium's public C++ API: everything an application needs, no actors or Beast required.
///
///   atrium::server io;
///   io.of("/").on_connection([](atrium::socket& s) {
///     s.on("join", [&s](atrium::event& ev) {
///       s.join(ev[0].GetString());
///       ev.ack(atrium::raw_json{R"({"ok":true})"});
///     });
///   });
///   atrium::net::http_server http{{}, io};   // #include "net/server.hpp"
///   http.start();

#include "actors/adapter_event.hpp"
#include "actors/args.hpp"
#include "actors/broadcast_operator.hpp"
#include "actors/disconnect_reason.hpp"
#include "actors/gathered_replies.hpp"
#include "actors/handshake.hpp"
#include "actors/server.hpp"
#include "actors/server_event.hpp"
#include "actors/socket.hpp"
