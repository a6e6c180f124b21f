#include "tools/atrium/identity.hpp"
#include "tools/atrium/json_text.hpp"

#include "protocol/json.hpp"

namespace atrium::app {

namespace {

std::vector<std::string> strings_of(const rapidjson::Value& v) {
  std::vector<std::string> out;
  if (v.IsArray())
    for (auto& item : v.GetArray())
      if (item.IsString())
        out.emplace_back(item.GetString(), item.GetStringLength());
  return out;
}

} // namespace

std::string to_socket_data(const identity& id) {
  std::string out = "{";
  auto member = [&](const char* key) {
    if (out.size() > 1)
      out += ',';
    protocol::append_json_string(out, key);
    out += ':';
  };
  if (!id.user.empty()) {
    member("user");
    protocol::append_json_string(out, id.user);
  }
  if (!id.data_json.empty()) {
    member("data");
    out += id.data_json;
  }
  if (!id.rooms.empty()) {
    member("rooms");
    append_json_strings(out, id.rooms);
  }
  if (id.allow_join) {
    member("allow_join");
    append_json_strings(out, *id.allow_join);
  }
  if (id.expires) {
    member("exp");
    out += std::to_string(*id.expires);
  }
  return out + '}';
}

identity identity_of(const std::string& socket_data) {
  identity id;
  if (socket_data.empty() || socket_data.front() != '{')
    return id;
  auto doc = protocol::parse_json(socket_data);
  if (!doc || !doc->IsObject())
    return id;
  if (auto it = doc->FindMember("user"); it != doc->MemberEnd() && it->value.IsString())
    id.user.assign(it->value.GetString(), it->value.GetStringLength());
  if (auto it = doc->FindMember("data"); it != doc->MemberEnd())
    id.data_json = protocol::to_json(it->value);
  if (auto it = doc->FindMember("rooms"); it != doc->MemberEnd())
    id.rooms = strings_of(it->value);
  if (auto it = doc->FindMember("allow_join"); it != doc->MemberEnd())
    id.allow_join = strings_of(it->value);
  if (auto it = doc->FindMember("exp"); it != doc->MemberEnd() && it->value.IsInt64())
    id.expires = it->value.GetInt64();
  return id;
}

} // namespace atrium::app
