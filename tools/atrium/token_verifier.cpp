#include "tools/atrium/token_verifier.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <utility>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "protocol/base64.hpp"
#include "protocol/json.hpp"

namespace atrium::app {

namespace {

constexpr const char* invalid_token = "invalid token";
constexpr const char* not_allowed = "algorithm not allowed";

enum class key_family { hmac, rsa, ec_p256 };

// The algorithms a token may name, spelled exactly (RFC 7515: "alg" is case-sensitive; libjwt
// compares without case, so "hs256" would reach it as HS256). ES384 and ES512 are absent: the
// only EC key the server takes is P-256, and each ES* algorithm belongs to one curve.
struct allowed_alg {
  std::string_view name;
  jwt_alg_t alg;
  key_family family;
};

constexpr allowed_alg allowed_algs[] = {
  {"HS256", JWT_ALG_HS256, key_family::hmac},    {"HS384", JWT_ALG_HS384, key_family::hmac},
  {"HS512", JWT_ALG_HS512, key_family::hmac},    {"RS256", JWT_ALG_RS256, key_family::rsa},
  {"RS384", JWT_ALG_RS384, key_family::rsa},     {"RS512", JWT_ALG_RS512, key_family::rsa},
  {"ES256", JWT_ALG_ES256, key_family::ec_p256},
};

// libjwt leaves OpenSSL's per-thread error queue full after a failed check (a signature that
// does not verify). OpenSSL wants that queue empty before any TLS call on the same thread
// (SSL_get_error(3)), and verify() runs on threads that also do TLS: empty it on every way out.
struct openssl_errors_cleared {
  ~openssl_errors_cleared() { ERR_clear_error(); }
};

struct jwt_deleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

struct malloced_deleter {
  void operator()(char* s) const { std::free(s); }
};

bool is_base64url(std::string_view s) {
  // Unpadded (RFC 7515, section 2); a length of 4n + 1 cannot come out of any encoding.
  if (s.empty() || s.size() % 4 == 1)
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
           || c == '-' || c == '_';
  });
}

std::optional<std::string> decode_base64url(std::string_view s) {
  if (!is_base64url(s))
    return std::nullopt;
  std::string standard{s};
  std::replace(standard.begin(), standard.end(), '-', '+');
  std::replace(standard.begin(), standard.end(), '_', '/');
  standard.append((4 - standard.size() % 4) % 4, '=');
  return protocol::decode_base64(standard); // strict: canonical tail bits only
}

// The "alg" of a token's header, read before any key is chosen; nullopt when the header is
// not base64url JSON with exactly one string "alg".
std::optional<std::string> header_alg(std::string_view segment) {
  auto text = decode_base64url(segment);
  if (!text)
    return std::nullopt;
  auto doc = protocol::parse_json(*text);
  if (!doc || !doc->IsObject())
    return std::nullopt;
  // Two "alg" members would let two JSON parsers disagree on which key to pick (libjwt's
  // jansson takes the last, RapidJSON's FindMember the first).
  const rapidjson::Value* alg = nullptr;
  for (auto& m : doc->GetObject()) {
    if (std::string_view{m.name.GetString(), m.name.GetStringLength()} != "alg")
      continue;
    if (alg != nullptr)
      return std::nullopt;
    alg = &m.value;
  }
  if (alg == nullptr || !alg->IsString())
    return std::nullopt;
  return std::string{alg->GetString(), alg->GetStringLength()};
}

std::string_view view(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

std::optional<std::vector<std::string>> string_array(const rapidjson::Value& v) {
  if (!v.IsArray())
    return std::nullopt;
  std::vector<std::string> out;
  out.reserve(v.Size());
  for (auto& item : v.GetArray()) {
    if (!item.IsString())
      return std::nullopt;
    out.emplace_back(view(item));
  }
  return out;
}

// A NumericDate (RFC 7519: seconds, maybe fractional), whole seconds toward the past,
// saturated at the ends of int64.
std::optional<std::int64_t> numeric_date(const rapidjson::Value& v) {
  if (v.IsInt64())
    return v.GetInt64();
  if (v.IsUint64()) // only above INT64_MAX
    return std::numeric_limits<std::int64_t>::max();
  if (!v.IsDouble() || !std::isfinite(v.GetDouble()))
    return std::nullopt;
  auto d = std::floor(v.GetDouble());
  if (d >= 9.2e18)
    return std::numeric_limits<std::int64_t>::max();
  if (d <= -9.2e18)
    return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(d);
}

// a + b without overflow: saturates at the ends of int64.
std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t out;
  if (__builtin_add_overflow(a, b, &out))
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  return out;
}

std::optional<std::string> subject(const rapidjson::Value& v) {
  if (v.IsString())
    return std::string{view(v)};
  if (v.IsInt64())
    return std::to_string(v.GetInt64());
  if (v.IsUint64())
    return std::to_string(v.GetUint64());
  // 42.0 is the number 42 (jansson writes every real with a fraction); 1.5 names nobody.
  if (v.IsDouble()) {
    auto d = v.GetDouble();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15)
      return std::to_string(static_cast<std::int64_t>(d));
  }
  return std::nullopt;
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw std::runtime_error(std::string{what} + " '" + path + "' cannot be read");
  std::string content{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  if (in.bad())
    throw std::runtime_error(std::string{what} + " '" + path + "' cannot be read");
  return content;
}

} // namespace

token_verifier::token_verifier(std::string secret, std::string public_key_pem,
                               public_key_type type, token_rules rules)
  : secret_(std::move(secret)),
    public_key_pem_(std::move(public_key_pem)),
    public_key_type_(type),
    rules_(std::move(rules)) {
  rules_.leeway_s = std::max<std::int64_t>(rules_.leeway_s, 0);
}

std::shared_ptr<const token_verifier>
token_verifier::from_files(const std::string& secret_file, const std::string& public_key_file,
                           token_rules rules) {
  if (secret_file.empty() && public_key_file.empty())
    throw std::runtime_error("token verifier: neither a secret file nor a public key file");
  std::string secret;
  if (!secret_file.empty()) {
    secret = read_file(secret_file, "token secret file");
    // Files written by editors and `echo` end with a newline that is not part of the key.
    if (secret.size() >= 2 && secret.compare(secret.size() - 2, 2, "\r\n") == 0)
      secret.resize(secret.size() - 2);
    else if (!secret.empty() && secret.back() == '\n')
      secret.pop_back();
    if (secret.empty())
      throw std::runtime_error("token secret file '" + secret_file + "' is empty");
    // libjwt takes the key length as an int.
    if (secret.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      throw std::runtime_error("token secret file '" + secret_file + "' is too large");
  }
  std::string pem;
  auto type = public_key_type::none;
  if (!public_key_file.empty()) {
    pem = read_file(public_key_file, "token public key file");
    if (pem.empty())
      throw std::runtime_error("token public key file '" + public_key_file + "' is empty");
    openssl_errors_cleared cleared;
    // The same reader libjwt uses on every verification (PEM_read_bio_PUBKEY), so a key that
    // passes here is one libjwt reads.
    std::unique_ptr<BIO, decltype(&BIO_free)> bio{
      BIO_new_mem_buf(pem.data(), static_cast<int>(std::min<std::size_t>(
                                    pem.size(), std::numeric_limits<int>::max()))),
      &BIO_free};
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{
      bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr,
      &EVP_PKEY_free};
    if (!key)
      throw std::runtime_error("token public key file '" + public_key_file
                               + "' is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    switch (EVP_PKEY_get_base_id(key.get())) {
      case EVP_PKEY_RSA:
        type = public_key_type::rsa;
        break;
      case EVP_PKEY_EC: {
        char group[64] = {};
        size_t len = 0;
        if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &len) == 1
            && OBJ_txt2nid(group) == NID_X9_62_prime256v1)
          type = public_key_type::ec_p256;
        break;
      }
      default:
        break;
    }
    if (type == public_key_type::none)
      throw std::runtime_error("token public key file '" + public_key_file
                               + "' is neither an RSA nor an EC P-256 public key");
  }
  return std::shared_ptr<const token_verifier>{
    new token_verifier(std::move(secret), std::move(pem), type, std::move(rules))};
}

std::variant<token_claims, std::string> token_verifier::verify(std::string_view token,
                                                               std::int64_t now) const {
  // Three non-empty base64url segments, checked before libjwt sees them: libjwt copies each
  // segment onto the stack (alloca) and writes one byte past an empty segment's buffer.
  if (token.size() > max_token_size)
    return invalid_token;
  auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos)
    return invalid_token;
  auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return invalid_token;
  auto head = token.substr(0, dot1);
  auto body = token.substr(dot1 + 1, dot2 - dot1 - 1);
  auto sig = token.substr(dot2 + 1);
  auto alg_name = header_alg(head);
  if (!alg_name)
    return invalid_token;
  // "none" (in any case) lands here too: it is in no list of algorithms.
  auto found = std::find_if(std::begin(allowed_algs), std::end(allowed_algs),
                            [&](const allowed_alg& a) { return a.name == *alg_name; });
  if (found == std::end(allowed_algs))
    return not_allowed;
  // The key is chosen by the algorithm's family, never the other way round: an HS256 token
  // checked with the public key's PEM text as its HMAC secret is the algorithm-confusion
  // attack, since anyone can compute that HMAC.
  const std::string* key = nullptr;
  switch (found->family) {
    case key_family::hmac:
      key = secret_.empty() ? nullptr : &secret_;
      break;
    case key_family::rsa:
      key = public_key_type_ == public_key_type::rsa ? &public_key_pem_ : nullptr;
      break;
    case key_family::ec_p256:
      key = public_key_type_ == public_key_type::ec_p256 ? &public_key_pem_ : nullptr;
      break;
  }
  if (key == nullptr)
    return not_allowed;
  // Canonical base64url only: libjwt's decoder would take other spellings of the same bytes.
  if (!decode_base64url(body) || !decode_base64url(sig))
    return invalid_token;
  openssl_errors_cleared cleared;
  std::string token_text{token}; // libjwt reads up to a NUL
  jwt_t* raw = nullptr;
  int rc = jwt_decode(&raw, token_text.c_str(), reinterpret_cast<const unsigned char*>(key->data()),
                      static_cast<int>(key->size()));
  std::unique_ptr<jwt_t, jwt_deleter> jwt{raw};
  if (rc != 0 || !jwt)
    return invalid_token;
  // libjwt verified with the algorithm it read from the header itself; it must be the one
  // the key was chosen for (header_alg refuses the duplicate "alg" that could make them differ).
  if (jwt_get_alg(jwt.get()) != found->alg)
    return not_allowed;
  // The claims as libjwt parsed and verified them (jansson, keys sorted).
  std::unique_ptr<char, malloced_deleter> grants{jwt_get_grants_json(jwt.get(), nullptr)};
  if (!grants)
    return invalid_token;
  auto doc = protocol::parse_json(grants.get());
  if (!doc || !doc->IsObject())
    return invalid_token;

  token_claims claims;
  std::optional<std::int64_t> nbf;
  auto member = [&](const char* name) -> const rapidjson::Value* {
    auto i = doc->FindMember(name);
    return i == doc->MemberEnd() ? nullptr : &i->value;
  };
  if (auto* v = member("sub")) {
    auto s = subject(*v);
    if (!s)
      return "malformed claim: sub";
    claims.sub = std::move(*s);
  }
  if (auto* v = member("rooms")) {
    auto rooms = string_array(*v);
    if (!rooms)
      return "malformed claim: rooms";
    claims.rooms = std::move(*rooms);
  }
  if (auto* v = member("allow_join")) {
    claims.allow_join = string_array(*v);
    if (!claims.allow_join)
      return "malformed claim: allow_join";
  }
  if (auto* v = member("data")) {
    if (!v->IsObject())
      return "malformed claim: data";
    claims.data_json = protocol::to_json(*v);
  }
  if (auto* v = member("exp")) {
    claims.exp = numeric_date(*v);
    if (!claims.exp)
      return "malformed claim: exp";
  }
  if (auto* v = member("nbf")) {
    nbf = numeric_date(*v);
    if (!nbf)
      return "malformed claim: nbf";
  }
  // libjwt 1.10 checks no time claim: these are the only ones.
  if (claims.exp && now > saturating_add(*claims.exp, rules_.leeway_s))
    return "token expired";
  if (nbf && saturating_add(now, rules_.leeway_s) < *nbf)
    return "token not yet valid";
  if (!rules_.issuer.empty()) {
    auto* v = member("iss");
    if (v != nullptr && !v->IsString())
      return "malformed claim: iss";
    if (v == nullptr || view(*v) != rules_.issuer)
      return "wrong issuer";
  }
  if (!rules_.audience.empty()) {
    auto* v = member("aud");
    if (v == nullptr)
      return "wrong audience";
    std::vector<std::string> audiences;
    if (v->IsString()) {
      audiences.emplace_back(view(*v));
    } else if (auto list = string_array(*v)) {
      audiences = std::move(*list);
    } else {
      return "malformed claim: aud";
    }
    if (std::find(audiences.begin(), audiences.end(), rules_.audience) == audiences.end())
      return "wrong audience";
  }
  return claims;
}

} // namespace atrium::app
