#include "tests/net/conformance_app.hpp"

#include "actors/boundary/random_id.hpp"
#include "protocol/json.hpp"

namespace atrium::net_test {

namespace {

void send(const connection_ptr& conn, sio::packet p, std::vector<std::string> attachments = {}) {
  p.attachments = attachments.size();
  auto out = std::make_shared<encoded_packet>();
  out->text = "4" + sio::encode(p);
  out->attachments = std::move(attachments);
  conn->send(std::move(out));
}

class conformance_socket final : public socket_endpoint {
public:
  conformance_socket(std::string nsp, connection_ptr conn)
    : nsp_(std::move(nsp)), conn_(std::move(conn)) {}

  void packet(sio::packet p, std::vector<std::string> attachments) override {
    if (!conn_ || nsp_ != "/")
      return;
    if (p.type != sio::packet_type::event && p.type != sio::packet_type::binary_event)
      return;
    auto doc = protocol::parse_json(p.data);
    if (!doc || !doc->IsArray() || doc->Empty() || !(*doc)[0].IsString())
      return;
    std::string_view name{(*doc)[0].GetString(), (*doc)[0].GetStringLength()};
    std::string args; // ",a,b" of every argument after the name
    for (rapidjson::SizeType i = 1; i < doc->Size(); ++i) {
      args += ',';
      args += protocol::to_json((*doc)[i]);
    }
    bool binary = !attachments.empty();
    sio::packet out;
    out.nsp = nsp_;
    if (name == "message") {
      out.type = binary ? sio::packet_type::binary_event : sio::packet_type::event;
      out.data = "[\"message-back\"" + args + "]";
      send(conn_, std::move(out), std::move(attachments));
    } else if (name == "message-with-ack" && p.id) {
      out.type = binary ? sio::packet_type::binary_ack : sio::packet_type::ack;
      out.id = p.id;
      out.data = "[" + (args.empty() ? args : args.substr(1)) + "]";
      send(conn_, std::move(out), std::move(attachments));
    }
  }

  void disconnected(disconnect_reason) override { conn_.reset(); }

private:
  std::string nsp_;
  connection_ptr conn_;
};

} // namespace

socket_endpoint_ptr conformance_registry::connect(const std::string& nsp, connection_ptr conn,
                                                  handshake_ptr, std::string auth_json) {
  if (nsp != "/" && nsp != "/custom")
    return nullptr;
  sio::packet reply;
  reply.type = sio::packet_type::connect;
  reply.nsp = nsp;
  reply.data = "{\"sid\":\"" + random_id() + "\"}";
  send(conn, std::move(reply));
  sio::packet auth;
  auth.type = sio::packet_type::event;
  auth.nsp = nsp;
  auth.data = "[\"auth\"," + auth_json + "]";
  send(conn, std::move(auth));
  return std::make_shared<conformance_socket>(nsp, std::move(conn));
}

} // namespace atrium::net_test
