#include "protocol/binary_json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "protocol/base64.hpp"

namespace atrium::protocol {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// The attachment number of a placeholder object, or -1 when `v` is none.
long placeholder_num(const rapidjson::Value& v) {
  if (!v.IsObject())
    return -1;
  auto ph = v.FindMember("_placeholder");
  auto num = v.FindMember("num");
  if (ph == v.MemberEnd() || !ph->value.IsTrue() || num == v.MemberEnd() || !num->value.IsUint())
    return -1;
  return static_cast<long>(num->value.GetUint());
}

/// The base64 text of a `{"$binary": "..."}` object, or nullptr when `v` is none.
const rapidjson::Value* binary_text(const rapidjson::Value& v) {
  if (!v.IsObject() || v.MemberCount() != 1)
    return nullptr;
  auto it = v.MemberBegin();
  if (std::string_view{it->name.GetString(), it->name.GetStringLength()} != "$binary"
      || !it->value.IsString())
    return nullptr;
  return &it->value;
}

void write_with_binary(writer& w, const rapidjson::Value& v,
                       const std::vector<std::string>& attachments) {
  if (auto num = placeholder_num(v); num >= 0) {
    if (static_cast<std::size_t>(num) >= attachments.size()) {
      w.Null();
      return;
    }
    std::string b64;
    append_base64(b64, attachments[num]);
    w.StartObject();
    w.Key("$binary");
    w.String(b64.data(), static_cast<rapidjson::SizeType>(b64.size()));
    w.EndObject();
    return;
  }
  if (v.IsObject()) {
    w.StartObject();
    for (auto& m : v.GetObject()) {
      w.Key(m.name.GetString(), m.name.GetStringLength());
      write_with_binary(w, m.value, attachments);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (auto& item : v.GetArray())
      write_with_binary(w, item, attachments);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

bool write_with_placeholders(writer& w, const rapidjson::Value& v,
                             std::vector<std::string>& attachments) {
  if (auto text = binary_text(v)) {
    auto bytes = decode_base64({text->GetString(), text->GetStringLength()});
    if (!bytes)
      return false;
    w.StartObject();
    w.Key("_placeholder");
    w.Bool(true);
    w.Key("num");
    w.Uint64(attachments.size());
    w.EndObject();
    attachments.push_back(std::move(*bytes));
    return true;
  }
  if (placeholder_num(v) >= 0)
    return false; // it would refer to attachments the peer never sent
  if (v.IsObject()) {
    w.StartObject();
    for (auto& m : v.GetObject()) {
      w.Key(m.name.GetString(), m.name.GetStringLength());
      if (!write_with_placeholders(w, m.value, attachments))
        return false;
    }
    w.EndObject();
    return true;
  }
  if (v.IsArray()) {
    w.StartArray();
    for (auto& item : v.GetArray())
      if (!write_with_placeholders(w, item, attachments))
        return false;
    w.EndArray();
    return true;
  }
  v.Accept(w);
  return true;
}

} // namespace

std::string to_json_with_binary(const rapidjson::Value& value,
                                const std::vector<std::string>& attachments) {
  rapidjson::StringBuffer buffer;
  writer w{buffer};
  write_with_binary(w, value, attachments);
  return {buffer.GetString(), buffer.GetSize()};
}

result<json_with_attachments> from_json_with_binary(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  writer w{buffer};
  json_with_attachments out;
  if (!write_with_placeholders(w, value, out.attachments))
    return make_error(error::invalid_payload);
  out.json.assign(buffer.GetString(), buffer.GetSize());
  return out;
}

} // namespace atrium::protocol
