#define CAF_SUITE token_verifier
#include <caf/test/unit_test.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "protocol/base64.hpp"
#include "tools/atrium/token_verifier.hpp"

using atrium::app::token_claims;
using atrium::app::token_rules;
using atrium::app::token_verifier;

namespace {

constexpr std::int64_t now = 1'700'000'000;
const std::string secret = "a secret of the back end";

std::string base64url(std::string_view bytes) {
  std::string out;
  atrium::protocol::append_base64(out, bytes);
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  for (auto& c : out)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

// A key pair made by OpenSSL, as PEM text: the private key signs (libjwt takes it for RS*/ES*),
// the public key is what the server is given.
struct key_pair {
  std::string private_pem;
  std::string public_pem;
};

key_pair pem_of(EVP_PKEY* key) {
  CAF_REQUIRE(key != nullptr);
  auto text = [](auto write) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()), &BIO_free};
    CAF_REQUIRE(write(bio.get()) == 1);
    char* data = nullptr;
    auto len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
  };
  key_pair out;
  out.private_pem = text([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  out.public_pem = text([&](BIO* b) { return PEM_write_bio_PUBKEY(b, key); });
  EVP_PKEY_free(key);
  return out;
}

// Generated once per run: RSA 2048 takes a while.
const key_pair& rsa_key() {
  static const key_pair k = pem_of(EVP_RSA_gen(2048));
  return k;
}

const key_pair& ec_key() {
  static const key_pair k = pem_of(EVP_EC_gen("P-256"));
  return k;
}

// A token signed by libjwt: header {"alg":..,"typ":"JWT"}, payload `claims_json`.
std::string sign(jwt_alg_t alg, const std::string& key, const std::string& claims_json) {
  jwt_t* raw = nullptr;
  CAF_REQUIRE_EQUAL(jwt_new(&raw), 0);
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt{raw, &jwt_free};
  CAF_REQUIRE_EQUAL(jwt_add_grants_json(jwt.get(), claims_json.c_str()), 0);
  CAF_REQUIRE_EQUAL(jwt_set_alg(jwt.get(), alg,
                                reinterpret_cast<const unsigned char*>(key.data()),
                                static_cast<int>(key.size())),
                    0);
  std::unique_ptr<char, decltype(&std::free)> token{jwt_encode_str(jwt.get()), &std::free};
  CAF_REQUIRE(token != nullptr);
  return token.get();
}

// A token built by hand with any header, its HMAC-SHA256 computed by OpenSSL with `key`.
std::string hs256_by_hand(const std::string& header_json, const std::string& claims_json,
                          const std::string& key) {
  auto input = base64url(header_json) + "." + base64url(claims_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  CAF_REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                   reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
                   &mac_len)
              != nullptr);
  return input + "." + base64url({reinterpret_cast<const char*>(mac), mac_len});
}

// Files in a directory of their own, removed at the end of each test.
struct fixture {
  std::filesystem::path dir;

  fixture() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "atrium-token-XXXXXX").string();
    CAF_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
  }

  ~fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::string file(const std::string& name, const std::string& content) {
    auto path = (dir / name).string();
    std::ofstream{path, std::ios::binary} << content;
    return path;
  }

  std::shared_ptr<const token_verifier> with_secret(token_rules rules = {}) {
    return token_verifier::from_files(file("secret", secret + "\n"), "", std::move(rules));
  }

  std::shared_ptr<const token_verifier> with_public_key(const key_pair& key,
                                                        token_rules rules = {}) {
    return token_verifier::from_files("", file("key.pem", key.public_pem), std::move(rules));
  }

  // What from_files threw, or "no exception".
  std::string thrown(const std::string& secret_file, const std::string& public_key_file) {
    try {
      token_verifier::from_files(secret_file, public_key_file, {});
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no exception";
  }
};

// "ok", or why the token was refused.
std::string reason(const token_verifier& v, std::string_view token, std::int64_t at = now) {
  auto res = v.verify(token, at);
  if (auto* why = std::get_if<std::string>(&res))
    return *why;
  return "ok";
}

token_claims accepted(const token_verifier& v, std::string_view token, std::int64_t at = now) {
  auto res = v.verify(token, at);
  if (auto* why = std::get_if<std::string>(&res))
    CAF_FAIL("token refused: " << *why);
  return std::get<token_claims>(std::move(res));
}

std::string hs256(const std::string& claims_json) {
  return sign(JWT_ALG_HS256, secret, claims_json);
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(token_verifier_tests, fixture)

CAF_TEST(an HS256 token gives all its claims) {
  auto v = with_secret();
  auto c = accepted(*v, hs256(R"({"sub":"u-1","rooms":["project:7","team"],)"
                              R"("allow_join":["game-*"],"data":{"name":"Ann","n":[1,2]},)"
                              R"("exp":1700000100,"iat":1699999000})"));
  CAF_CHECK_EQUAL(c.sub, "u-1");
  CAF_CHECK_EQUAL(c.rooms, (std::vector<std::string>{"project:7", "team"}));
  CAF_REQUIRE(c.allow_join.has_value());
  CAF_CHECK_EQUAL(*c.allow_join, std::vector<std::string>{"game-*"});
  CAF_CHECK_EQUAL(c.data_json, R"({"n":[1,2],"name":"Ann"})"); // libjwt sorts the keys
  CAF_REQUIRE(c.exp.has_value());
  CAF_CHECK_EQUAL(*c.exp, 1700000100);
}

CAF_TEST(absent claims stay empty) {
  auto c = accepted(*with_secret(), hs256("{}"));
  CAF_CHECK_EQUAL(c.sub, "");
  CAF_CHECK(c.rooms.empty());
  CAF_CHECK(!c.allow_join.has_value());
  CAF_CHECK_EQUAL(c.data_json, "");
  CAF_CHECK(!c.exp.has_value());
  // An empty allow_join is a grant of nothing, not the absence of a grant.
  auto e = accepted(*with_secret(), hs256(R"({"allow_join":[],"data":{}})"));
  CAF_REQUIRE(e.allow_join.has_value());
  CAF_CHECK(e.allow_join->empty());
  CAF_CHECK_EQUAL(e.data_json, "{}");
}

CAF_TEST(a numeric sub becomes its decimal text) {
  auto v = with_secret();
  CAF_CHECK_EQUAL(accepted(*v, hs256(R"({"sub":42})")).sub, "42");
  CAF_CHECK_EQUAL(accepted(*v, hs256(R"({"sub":-7})")).sub, "-7");
  CAF_CHECK_EQUAL(accepted(*v, hs256(R"({"sub":9007199254740993})")).sub, "9007199254740993");
  CAF_CHECK_EQUAL(accepted(*v, hs256(R"({"sub":42.0})")).sub, "42");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"sub":1.5})")), "malformed claim: sub");
}

CAF_TEST(HS384 and HS512) {
  auto v = with_secret();
  CAF_CHECK_EQUAL(accepted(*v, sign(JWT_ALG_HS384, secret, R"({"sub":"a"})")).sub, "a");
  CAF_CHECK_EQUAL(accepted(*v, sign(JWT_ALG_HS512, secret, R"({"sub":"b"})")).sub, "b");
}

CAF_TEST(RS256 RS384 and RS512 with an RSA public key) {
  auto v = with_public_key(rsa_key());
  for (auto alg : {JWT_ALG_RS256, JWT_ALG_RS384, JWT_ALG_RS512}) {
    auto token = sign(alg, rsa_key().private_pem, R"({"sub":"r","rooms":["x"]})");
    auto c = accepted(*v, token);
    CAF_CHECK_EQUAL(c.sub, "r");
    CAF_CHECK_EQUAL(c.rooms, std::vector<std::string>{"x"});
  }
}

CAF_TEST(ES256 with an EC P-256 public key) {
  auto v = with_public_key(ec_key());
  CAF_CHECK_EQUAL(accepted(*v, sign(JWT_ALG_ES256, ec_key().private_pem, R"({"sub":"e"})")).sub,
                  "e");
}

CAF_TEST(a secret and a public key together each serve their family) {
  auto v = token_verifier::from_files(file("s", secret), file("k.pem", rsa_key().public_pem), {});
  CAF_CHECK_EQUAL(reason(*v, hs256("{}")), "ok");
  CAF_CHECK_EQUAL(reason(*v, sign(JWT_ALG_RS256, rsa_key().private_pem, "{}")), "ok");
  // The PEM text as HMAC secret: checked with the real secret, so it fails.
  CAF_CHECK_EQUAL(reason(*v, sign(JWT_ALG_HS256, rsa_key().public_pem, "{}")), "invalid token");
  CAF_CHECK_EQUAL(reason(*v, sign(JWT_ALG_ES256, ec_key().private_pem, "{}")),
                  "algorithm not allowed");
}

CAF_TEST(exp with leeway) {
  auto v = with_secret(); // leeway 30 s
  auto token = hs256(R"({"exp":1700000000})");
  CAF_CHECK_EQUAL(reason(*v, token, now - 100), "ok");
  CAF_CHECK_EQUAL(reason(*v, token, now), "ok");
  CAF_CHECK_EQUAL(reason(*v, token, now + 30), "ok");
  CAF_CHECK_EQUAL(reason(*v, token, now + 31), "token expired");
  token_rules strict;
  strict.leeway_s = 0;
  auto s = with_secret(strict);
  CAF_CHECK_EQUAL(reason(*s, token, now), "ok");
  CAF_CHECK_EQUAL(reason(*s, token, now + 1), "token expired");
  // A fractional NumericDate counts its whole seconds.
  auto fractional = accepted(*s, hs256(R"({"exp":1700000000.9})")).exp;
  CAF_REQUIRE(fractional.has_value());
  CAF_CHECK_EQUAL(*fractional, 1700000000);
  // The ends of int64 neither overflow nor wrap.
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"exp":9223372036854775807})")), "ok");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"exp":-9223372036854775807})")), "token expired");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"exp":1e300})")), "ok");
}

CAF_TEST(nbf with leeway) {
  auto v = with_secret();
  auto token = hs256(R"({"nbf":1700000000})");
  CAF_CHECK_EQUAL(reason(*v, token, now + 100), "ok");
  CAF_CHECK_EQUAL(reason(*v, token, now), "ok");
  CAF_CHECK_EQUAL(reason(*v, token, now - 30), "ok");
  CAF_CHECK_EQUAL(reason(*v, token, now - 31), "token not yet valid");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"nbf":1700000031})")), "token not yet valid");
}

CAF_TEST(libjwt 1.10 checks no time claim itself) {
  // Why verify() checks exp and nbf: libjwt accepts a token that expired in 1970.
  auto token = hs256(R"({"exp":1,"nbf":1})");
  jwt_t* raw = nullptr;
  CAF_CHECK_EQUAL(jwt_decode(&raw, token.c_str(),
                             reinterpret_cast<const unsigned char*>(secret.data()),
                             static_cast<int>(secret.size())),
                  0);
  jwt_free(raw);
  CAF_CHECK_EQUAL(reason(*with_secret(), token), "token expired");
}

CAF_TEST(forged tokens are refused) {
  auto v = with_secret();
  CAF_CHECK_EQUAL(reason(*v, sign(JWT_ALG_HS256, "another secret", R"({"sub":"a"})")),
                  "invalid token");
  // The payload of one token with the signature of another.
  auto good = hs256(R"({"sub":"alice"})");
  auto evil = hs256(R"({"sub":"mallory","rooms":["admin"]})");
  auto tampered = good.substr(0, good.find('.')) + evil.substr(evil.find('.'), evil.rfind('.') - evil.find('.'))
                  + good.substr(good.rfind('.'));
  CAF_CHECK_EQUAL(reason(*v, tampered), "invalid token");
  // The same with RSA.
  auto r = with_public_key(rsa_key());
  auto rgood = sign(JWT_ALG_RS256, rsa_key().private_pem, R"({"sub":"alice"})");
  auto rtampered = rgood.substr(0, rgood.find('.') + 1) + base64url(R"({"sub":"mallory"})")
                   + rgood.substr(rgood.rfind('.'));
  CAF_CHECK_EQUAL(reason(*r, rgood), "ok");
  CAF_CHECK_EQUAL(reason(*r, rtampered), "invalid token");
  // Signed by another RSA key.
  auto other = pem_of(EVP_RSA_gen(2048));
  CAF_CHECK_EQUAL(reason(*r, sign(JWT_ALG_RS256, other.private_pem, "{}")), "invalid token");
  // An ES256 signature of the wrong length, of the right length but wrong.
  auto e = with_public_key(ec_key());
  auto egood = sign(JWT_ALG_ES256, ec_key().private_pem, "{}");
  auto eprefix = egood.substr(0, egood.rfind('.') + 1);
  CAF_CHECK_EQUAL(reason(*e, eprefix + base64url(std::string(63, 'x'))), "invalid token");
  CAF_CHECK_EQUAL(reason(*e, eprefix + base64url(std::string(64, 'x'))), "invalid token");
}

CAF_TEST(a token changed in any one character is refused) {
  auto v = token_verifier::from_files(file("s", secret), file("k.pem", rsa_key().public_pem), {});
  std::mt19937 rng{7};
  const std::string alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
  for (auto token : {hs256(R"({"sub":"a","rooms":["r"]})"),
                     sign(JWT_ALG_RS256, rsa_key().private_pem, R"({"sub":"a"})")}) {
    CAF_REQUIRE_EQUAL(reason(*v, token), "ok");
    for (std::size_t i = 0; i < token.size(); ++i) {
      auto changed = token;
      do
        changed[i] = alphabet[rng() % alphabet.size()];
      while (changed[i] == token[i]);
      auto why = reason(*v, changed);
      if (why == "ok")
        CAF_FAIL("accepted with character " << i << " changed: " << changed);
    }
  }
}

CAF_TEST(only the canonical base64url spelling of a signature is taken) {
  // The unused low bits of the last character are not part of the signature: libjwt's decoder
  // ignores them, so without the verifier's own check one token would have several spellings.
  auto v = with_public_key(rsa_key());
  auto token = sign(JWT_ALG_RS256, rsa_key().private_pem, R"({"sub":"a"})");
  CAF_REQUIRE_EQUAL(reason(*v, token), "ok");
  const std::string alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  auto respelled = token;
  auto& last = respelled.back();
  last = alphabet[alphabet.find(last) ^ 1]; // 256 bytes: the last character has 4 unused bits
  CAF_CHECK_EQUAL(reason(*v, respelled), "invalid token");
  CAF_CHECK_EQUAL(reason(*v, token + "="), "invalid token");
}

CAF_TEST(alg none is refused) {
  auto v = with_secret();
  auto payload = base64url(R"({"sub":"admin"})");
  for (auto alg : {"none", "None", "NONE", "nOnE"}) {
    auto head = base64url(std::string{R"({"alg":")"} + alg + R"(","typ":"JWT"})");
    CAF_CHECK_EQUAL(reason(*v, head + "." + payload + "."), "algorithm not allowed");
    CAF_CHECK_EQUAL(reason(*v, head + "." + payload + ".c2ln"), "algorithm not allowed");
  }
  // And libjwt itself, handed a key, refuses "none" (so a header parsed differently by it than
  // by the verifier still cannot switch verification off).
  auto token = base64url(R"({"alg":"none"})") + "." + payload + ".";
  jwt_t* raw = nullptr;
  CAF_CHECK_NOT_EQUAL(jwt_decode(&raw, token.c_str(),
                                 reinterpret_cast<const unsigned char*>(secret.data()),
                                 static_cast<int>(secret.size())),
                      0);
  CAF_CHECK(raw == nullptr);
}

CAF_TEST(an HS256 token signed with the public key is the algorithm-confusion attack) {
  // The attacker knows the public key, so can HMAC with its PEM text; a verifier that takes the
  // key it has for whatever alg the header names would accept this.
  for (auto* key : {&rsa_key(), &ec_key()}) {
    auto v = with_public_key(*key);
    for (auto alg : {JWT_ALG_HS256, JWT_ALG_HS384, JWT_ALG_HS512})
      CAF_CHECK_EQUAL(reason(*v, sign(alg, key->public_pem, R"({"sub":"admin"})")),
                      "algorithm not allowed");
  }
  // Two "alg" members: RS256 first picks the public key, HS256 last is what libjwt's jansson
  // reads. Refused either way.
  auto v = with_public_key(rsa_key());
  auto dup = hs256_by_hand(R"({"alg":"RS256","typ":"JWT","alg":"HS256"})", R"({"sub":"admin"})",
                           rsa_key().public_pem);
  CAF_CHECK_EQUAL(reason(*v, dup), "invalid token");
  auto dup2 = hs256_by_hand(R"({"alg":"HS256","alg":"RS256"})", "{}", rsa_key().public_pem);
  CAF_CHECK_EQUAL(reason(*v, dup2), "invalid token");
  // alg is case-sensitive (libjwt would take "rs256" as RS256).
  auto lower = hs256_by_hand(R"({"alg":"hs256"})", "{}", secret);
  CAF_CHECK_EQUAL(reason(*with_secret(), lower), "algorithm not allowed");
  CAF_CHECK_EQUAL(reason(*with_secret(), hs256_by_hand(R"({"alg":"HS256"})", "{}", secret)),
                  "ok");
}

CAF_TEST(an algorithm needs a key of its own family) {
  auto rs256 = sign(JWT_ALG_RS256, rsa_key().private_pem, "{}");
  auto es256 = sign(JWT_ALG_ES256, ec_key().private_pem, "{}");
  CAF_CHECK_EQUAL(reason(*with_secret(), rs256), "algorithm not allowed");
  CAF_CHECK_EQUAL(reason(*with_secret(), es256), "algorithm not allowed");
  CAF_CHECK_EQUAL(reason(*with_public_key(rsa_key()), es256), "algorithm not allowed");
  CAF_CHECK_EQUAL(reason(*with_public_key(ec_key()), rs256), "algorithm not allowed");
  // ES384 and ES512 belong to curves the server takes no key for.
  auto es384 = sign(JWT_ALG_ES384, ec_key().private_pem, "{}");
  CAF_CHECK_EQUAL(reason(*with_public_key(ec_key()), es384), "algorithm not allowed");
  // Algorithms nobody implements here, and no alg at all.
  CAF_CHECK_EQUAL(reason(*with_secret(), hs256_by_hand(R"({"alg":"PS256"})", "{}", secret)),
                  "algorithm not allowed");
  CAF_CHECK_EQUAL(reason(*with_secret(), hs256_by_hand(R"({"typ":"JWT"})", "{}", secret)),
                  "invalid token");
  CAF_CHECK_EQUAL(reason(*with_secret(), hs256_by_hand(R"({"alg":256})", "{}", secret)),
                  "invalid token");
}

CAF_TEST(issuer) {
  token_rules rules;
  rules.issuer = "https://app.example";
  auto v = with_secret(rules);
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"iss":"https://app.example"})")), "ok");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"iss":"https://evil.example"})")), "wrong issuer");
  CAF_CHECK_EQUAL(reason(*v, hs256("{}")), "wrong issuer");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"iss":["https://app.example"]})")), "malformed claim: iss");
  // Without the rule, iss is not looked at.
  CAF_CHECK_EQUAL(reason(*with_secret(), hs256(R"({"iss":7})")), "ok");
}

CAF_TEST(audience as a string or an array) {
  token_rules rules;
  rules.audience = "atrium";
  auto v = with_secret(rules);
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"aud":"atrium"})")), "ok");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"aud":["billing","atrium"]})")), "ok");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"aud":"billing"})")), "wrong audience");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"aud":["billing"]})")), "wrong audience");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"aud":[]})")), "wrong audience");
  CAF_CHECK_EQUAL(reason(*v, hs256("{}")), "wrong audience");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"aud":"atriumx"})")), "wrong audience");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"aud":1})")), "malformed claim: aud");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"aud":["atrium",1]})")), "malformed claim: aud");
  rules.issuer = "me";
  auto both = with_secret(rules);
  CAF_CHECK_EQUAL(reason(*both, hs256(R"({"iss":"me","aud":"atrium"})")), "ok");
  CAF_CHECK_EQUAL(reason(*both, hs256(R"({"iss":"you","aud":"atrium"})")), "wrong issuer");
  CAF_CHECK_EQUAL(reason(*both, hs256(R"({"iss":"me","aud":"x"})")), "wrong audience");
}

CAF_TEST(malformed claims are named) {
  auto v = with_secret();
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"rooms":"lobby"})")), "malformed claim: rooms");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"rooms":["a",1]})")), "malformed claim: rooms");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"rooms":null})")), "malformed claim: rooms");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"allow_join":"game-*"})")), "malformed claim: allow_join");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"allow_join":[["x"]]})")), "malformed claim: allow_join");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"data":[1]})")), "malformed claim: data");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"data":"x"})")), "malformed claim: data");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"exp":"soon"})")), "malformed claim: exp");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"exp":true})")), "malformed claim: exp");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"nbf":"now"})")), "malformed claim: nbf");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"sub":true})")), "malformed claim: sub");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"sub":{"id":1}})")), "malformed claim: sub");
  CAF_CHECK_EQUAL(reason(*v, hs256(R"({"sub":null})")), "malformed claim: sub");
}

CAF_TEST(garbage never crashes) {
  auto v = token_verifier::from_files(file("s", secret), file("k.pem", rsa_key().public_pem), {});
  auto hs_head = base64url(R"({"alg":"HS256","typ":"JWT"})");
  auto body = base64url("{}");
  for (std::string token :
       {std::string{}, std::string{"a"}, std::string{"a.b"}, std::string{"..."},
        std::string{".."}, std::string{"a.b.c"}, std::string{"a.b.c.d"},
        std::string{"eyJ.eyJ.eyJ"}, hs_head + "..", hs_head + "." + body + ".",
        hs_head + ".." + "c2ln", "." + body + ".c2ln", hs_head + "." + body + "=.c2ln",
        hs_head + "." + body + ".c2ln====", hs_head + "." + body + ".c2l",
        hs_head + "." + base64url("not json") + ".c2ln",
        hs_head + "." + base64url("[1,2]") + ".c2ln",
        hs_head + "." + base64url(std::string("{\"a\":\"\0\"}", 10)) + ".c2ln",
        base64url("{") + "." + body + ".c2ln", base64url("[]") + "." + body + ".c2ln",
        base64url("\xff\xfe") + "." + body + ".c2ln", std::string("a\0b.c.d", 7),
        std::string(1 << 20, 'A'), std::string(1 << 20, '.'),
        hs_head + "." + std::string(1 << 20, 'A') + ".c2ln",
        hs_head + "." + std::string((64 << 10) - hs_head.size() - 6, 'e') + ".c2ln"}) {
    auto why = reason(*v, token);
    CAF_CHECK(why == "invalid token" || why == "algorithm not allowed");
  }
  // Random bytes, and random base64url in three parts.
  std::mt19937 rng{42};
  for (int i = 0; i < 2000; ++i) {
    std::string token(rng() % 200, '\0');
    for (auto& c : token)
      c = static_cast<char>(rng());
    CAF_CHECK_NOT_EQUAL(reason(*v, token), "ok");
    auto segment = [&] {
      std::string s(rng() % 60, '\0');
      for (auto& c : s)
        c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[rng() % 64];
      return s;
    };
    CAF_CHECK_NOT_EQUAL(reason(*v, segment() + "." + segment() + "." + segment()), "ok");
    CAF_CHECK_NOT_EQUAL(reason(*v, hs_head + "." + segment() + "." + segment()), "ok");
  }
}

CAF_TEST(a refused signature leaves no OpenSSL error queued) {
  // TLS calls on the same thread need an empty queue (see token_verifier.cpp).
  auto v = with_public_key(rsa_key());
  ERR_clear_error();
  auto other = sign(JWT_ALG_RS256, rsa_key().private_pem, "{}");
  auto forged = other.substr(0, other.rfind('.') + 1) + base64url(std::string(256, 'x'));
  CAF_CHECK_EQUAL(reason(*v, forged), "invalid token");
  CAF_CHECK_EQUAL(ERR_peek_error(), 0ul);
}

CAF_TEST(the secret file loses one trailing newline only) {
  auto token = hs256("{}");
  auto check = [&](const std::string& content, const std::string& expected) {
    auto v = token_verifier::from_files(file("secret", content), "", {});
    CAF_CHECK_EQUAL(reason(*v, token), expected);
  };
  check(secret, "ok");
  check(secret + "\n", "ok");
  check(secret + "\r\n", "ok");
  check(secret + "\n\n", "invalid token");
  check(secret + " ", "invalid token");
  check(" " + secret, "invalid token");
}

CAF_TEST(from_files names the file it cannot use) {
  auto missing = (dir / "no-such-file").string();
  auto what = thrown(missing, "");
  CAF_CHECK(what.find(missing) != std::string::npos);
  what = thrown("", missing);
  CAF_CHECK(what.find(missing) != std::string::npos);
  for (std::string content : {std::string{}, std::string{"\n"}, std::string{"\r\n"}}) {
    auto empty = file("empty", content);
    what = thrown(empty, "");
    CAF_CHECK(what.find(empty) != std::string::npos);
    CAF_CHECK(what.find("empty") != std::string::npos);
  }
  auto empty = file("empty.pem", "");
  CAF_CHECK(thrown("", empty).find(empty) != std::string::npos);
  // Not a public key: some text, a private key, a key on another curve.
  auto text = file("text.pem", "not a key\n");
  CAF_CHECK(thrown("", text).find(text) != std::string::npos);
  auto priv = file("private.pem", rsa_key().private_pem);
  CAF_CHECK(thrown("", priv).find(priv) != std::string::npos);
  auto p384 = file("p384.pem", pem_of(EVP_EC_gen("P-384")).public_pem);
  what = thrown("", p384);
  CAF_CHECK(what.find(p384) != std::string::npos);
  CAF_MESSAGE(what);
  // The good one, for contrast.
  CAF_CHECK_EQUAL(thrown("", file("rsa.pem", rsa_key().public_pem)), "no exception");
  CAF_CHECK_EQUAL(thrown("", file("ec.pem", ec_key().public_pem)), "no exception");
  CAF_CHECK_EQUAL(thrown("", ""), "token verifier: neither a secret file nor a public key file");
}

CAF_TEST(a verifier is shared by threads) {
  // verify() is const and keeps nothing between calls; libjwt and OpenSSL 3 are reentrant.
  auto v = token_verifier::from_files(file("s", secret), file("k.pem", ec_key().public_pem), {});
  auto es = sign(JWT_ALG_ES256, ec_key().private_pem, R"({"sub":"e"})");
  auto hs = hs256(R"({"sub":"h"})");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (reason(*v, i % 2 ? es : hs) != "ok" || reason(*v, hs + "x") == "ok")
          ++wrong;
    });
  for (auto& t : threads)
    t.join();
  CAF_CHECK_EQUAL(wrong.load(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
