#include "atrium/args.hpp"

#include <cmath>
#include <cstdio>

#include "protocol/json.hpp"

namespace atrium {

void args::separate() {
  if (!elements_.empty())
    elements_ += ',';
}

args& args::add(std::string_view s) {
  separate();
  protocol::append_json_string(elements_, s);
  return *this;
}

args& args::add(bool b) {
  separate();
  elements_ += b ? "true" : "false";
  return *this;
}

args& args::add(std::nullptr_t) {
  separate();
  elements_ += "null";
  return *this;
}

args& args::add(double d) {
  separate();
  if (!std::isfinite(d)) { // JSON has no NaN/Infinity; JSON.stringify writes null
    elements_ += "null";
    return *this;
  }
  rapidjson::Value v(d);
  elements_ += protocol::to_json(v);
  return *this;
}

args& args::add_int(std::int64_t i) {
  separate();
  elements_ += std::to_string(i);
  return *this;
}

args& args::add_uint(std::uint64_t i) {
  separate();
  elements_ += std::to_string(i);
  return *this;
}

args& args::add(const rapidjson::Value& v) {
  separate();
  elements_ += protocol::to_json(v);
  return *this;
}

args& args::add(binary b) {
  separate();
  elements_ += R"({"_placeholder":true,"num":)";
  elements_ += std::to_string(attachments_.size());
  elements_ += '}';
  attachments_.push_back(std::move(b.bytes));
  return *this;
}

args& args::add(raw_json j) {
  separate();
  elements_ += j.text;
  return *this;
}

args args::from_json_array(std::string_view array_text, std::vector<std::string> attachments) {
  args result;
  // Strip the brackets: callers hand us a validated compact array.
  if (array_text.size() >= 2 && array_text.front() == '[' && array_text.back() == ']')
    result.elements_.assign(array_text.substr(1, array_text.size() - 2));
  result.attachments_ = std::move(attachments);
  return result;
}

payload::payload(rapidjson::Document array, std::vector<std::string> attachments)
  : doc_(std::move(array)), attachments_(std::move(attachments)) {
  if (!doc_.IsArray())
    doc_.SetArray();
}

std::size_t payload::size() const noexcept {
  return doc_.Size();
}

const rapidjson::Value* payload::at(std::size_t i) const noexcept {
  if (i >= doc_.Size())
    return nullptr;
  return &doc_[static_cast<rapidjson::SizeType>(i)];
}

const rapidjson::Value& payload::operator[](std::size_t i) const {
  static const rapidjson::Value none;
  auto v = at(i);
  return v ? *v : none;
}

std::optional<std::string_view> payload::string(std::size_t i) const {
  auto v = at(i);
  if (!v || !v->IsString())
    return std::nullopt;
  return std::string_view{v->GetString(), v->GetStringLength()};
}

std::optional<double> payload::number(std::size_t i) const {
  auto v = at(i);
  if (!v || !v->IsNumber())
    return std::nullopt;
  return v->GetDouble();
}

std::optional<std::int64_t> payload::integer(std::size_t i) const {
  auto v = at(i);
  if (!v)
    return std::nullopt;
  if (v->IsInt64())
    return v->GetInt64();
  // JavaScript has one number type: 3.0 arrives as a double.
  if (v->IsDouble()) {
    auto d = v->GetDouble();
    if (d >= -9.2233720368547748e18 && d < 9.2233720368547758e18
        && static_cast<double>(static_cast<std::int64_t>(d)) == d)
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<bool> payload::boolean(std::size_t i) const {
  auto v = at(i);
  if (!v || !v->IsBool())
    return std::nullopt;
  return v->GetBool();
}

const std::string* payload::binary(std::size_t i) const {
  auto v = at(i);
  return v ? binary_of(*v) : nullptr;
}

const std::string* payload::binary_of(const rapidjson::Value& v) const {
  if (!v.IsObject())
    return nullptr;
  auto ph = v.FindMember("_placeholder");
  auto num = v.FindMember("num");
  if (ph == v.MemberEnd() || !ph->value.IsTrue() || num == v.MemberEnd()
      || !num->value.IsUint())
    return nullptr;
  auto n = num->value.GetUint();
  return n < attachments_.size() ? &attachments_[n] : nullptr;
}

args payload::to_args() const {
  return args::from_json_array(protocol::to_json(doc_), attachments_);
}

} // namespace atrium
