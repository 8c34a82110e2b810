// Statement attachments on a real server (xAPI 1.0.3 part three 1.5.2, part two
// 2.4.11 and 2.6): multipart/mixed requests and answers, SHA-2 checks, fileUrl-only
// attachments in JSON, limits, and signed statements (JWS RS256 with an X.509
// certificate made here with OpenSSL). Also the multipart parser on its own.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

#include "crypto.hpp"
#include "http/multipart.hpp"
#include "test_helpers.hpp"
#include "trailpack/crypto/sha256.hpp"
#include "trailpack/encoding.hpp"

using namespace trailpack::test;
using nlohmann::json;
using trailpack::server::ClientResponse;

namespace {

constexpr const char* kText = "here is a simple attachment";  // part three 1.5.2's example
constexpr const char* kTextSha = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a";
constexpr const char* kSignatureUsage = "http://adlnet.gov/expapi/attachments/signature";

struct Lrs {
  TestServer srv;
  std::string auth;
  Lrs() {
    auto [k, s] = srv.app().create_xapi_client("tool", {"statements/read", "statements/write"});
    auth = basic_auth(k, s);
  }
};

json attachment(const std::string& sha2, std::int64_t length, const std::string& content_type = "text/plain") {
  return {{"usageType", "http://example.com/attachment-usage/test"},
          {"display", {{"en-US", "A test attachment"}}},
          {"contentType", content_type},
          {"length", length},
          {"sha2", sha2}};
}

json statement_with(const std::string& id, const json& attachments) {
  return {{"id", id},
          {"actor", {{"objectType", "Agent"}, {"mbox", "mailto:sample.agent@example.com"}}},
          {"verb", {{"id", "http://adlnet.gov/expapi/verbs/answered"}}},
          {"object", {{"id", "http://www.example.com/tincan/activities/multipart"}}},
          {"attachments", attachments}};
}

struct Part {
  std::string content_type;
  std::string body;
  std::string hash;  ///< X-Experience-API-Hash; none for the statements part
  std::string extra_headers;
};

std::string multipart(const std::string& boundary, const std::vector<Part>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out += "--" + boundary + "\r\nContent-Type: " + p.content_type + "\r\n";
    if (!p.hash.empty()) out += "Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " + p.hash + "\r\n";
    out += p.extra_headers + "\r\n" + p.body + "\r\n";
  }
  return out + "--" + boundary + "--\r\n";
}

ClientResponse post_multipart(Lrs& lrs, const std::string& body, const std::string& boundary = "abcABC0123'()+_,-./:=?",
                              const std::string& method = "POST", const std::string& query = {}) {
  auto h = xapi_headers(lrs.auth);
  h["content-type"] = "multipart/mixed; boundary=\"" + boundary + "\"";
  return lrs.srv.request(method, "/xapi/statements" + query, body, h);
}

// Parses a multipart answer with the server's own parser.
std::vector<trailpack::server::MimePart> parts_of(const ClientResponse& res) {
  auto boundary = trailpack::server::media_type_param(res.headers.at("content-type"), "boundary");
  REQUIRE(boundary.has_value());
  std::string error;
  auto parts = trailpack::server::parse_multipart(res.body, *boundary, 100, &error);
  INFO(error);
  REQUIRE(parts.has_value());
  return *parts;
}

}  // namespace

TEST_CASE("multipart: parsing RFC 2046 bodies, and what is refused", "[sync][xapi][multipart]") {
  using trailpack::server::parse_multipart;
  std::string error;
  auto ok = parse_multipart("preamble\r\n--b\r\nContent-Type: a/b\r\nX-Long: one\r\n two\r\n\r\nbody one\r\n--b\r\n\r\nno headers\r\n--b--\r\nepilogue",
                            "b", 10, &error);
  REQUIRE(ok.has_value());
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[0].header("content-type") == std::optional<std::string>("a/b"));
  CHECK((*ok)[0].header("x-long") == std::optional<std::string>("one two"));
  CHECK((*ok)[0].body == "body one");
  CHECK((*ok)[1].headers.empty());
  CHECK((*ok)[1].body == "no headers");
  // Binary data with CR, LF and "--" inside survives.
  const std::string binary("\x00\r\n--x\r\n\xff", 9);
  auto bin = parse_multipart("--b\r\n\r\n" + binary + "\r\n--b--", "b", 10, &error);
  REQUIRE(bin.has_value());
  CHECK((*bin)[0].body == binary);

  CHECK_FALSE(parse_multipart("--b\r\n\r\nunclosed", "b", 10, &error).has_value());
  CHECK(error == "the body ends before the closing boundary (--b--)");
  CHECK_FALSE(parse_multipart("no boundary here", "b", 10, &error).has_value());
  CHECK(error == "the body does not contain the boundary");
  CHECK_FALSE(parse_multipart("--b\r\nBroken header\r\n\r\nx\r\n--b--", "b", 10, &error).has_value());
  CHECK(error == "part 1 has a header line without a name");
  CHECK_FALSE(parse_multipart("--b\r\n\r\n1\r\n--b\r\n\r\n2\r\n--b--", "b", 1, &error).has_value());
  CHECK(error == "more than 1 parts");
  CHECK(trailpack::server::media_type_param("multipart/mixed; boundary=\"a;b=c\"; x=y", "boundary") ==
        std::optional<std::string>("a;b=c"));
  CHECK(trailpack::server::media_type_param("multipart/mixed;charset=utf-8;BOUNDARY=xyz", "boundary") ==
        std::optional<std::string>("xyz"));
  CHECK(trailpack::server::media_type("Application/JSON ; charset=UTF-8") == "application/json");
}

TEST_CASE("xAPI attachments: a multipart/mixed statement is stored with its data and served with attachments=true",
          "[sync][xapi][attachments]") {
  Lrs lrs;
  REQUIRE(trailpack::crypto::sha256_hex(kText) == kTextSha);
  const std::string boundary = "abcABC0123'()+_,-./:=?";
  const json s = statement_with(uuid_n(1), json::array({attachment(kTextSha, 27, "text/plain; charset=ascii")}));
  auto res = post_multipart(lrs, multipart(boundary, {{"application/json", s.dump(), ""}, {"text/plain", kText, kTextSha}}));
  REQUIRE(res.status == 200);
  CHECK(body_json(res) == json::array({uuid_n(1)}));
  CHECK(count_statements_where(lrs.srv, "id = $1", {uuid_n(1)}) == 1);

  // Without attachments=true: JSON only.
  auto plain = lrs.srv.get("/xapi/statements?statementId=" + uuid_n(1), xapi_headers(lrs.auth));
  REQUIRE(plain.status == 200);
  CHECK(plain.headers["content-type"] == "application/json");
  CHECK(body_json(plain)["attachments"][0]["sha2"] == kTextSha);

  auto with = lrs.srv.get("/xapi/statements?statementId=" + uuid_n(1) + "&attachments=true", xapi_headers(lrs.auth));
  REQUIRE(with.status == 200);
  CHECK(with.headers["content-type"].rfind("multipart/mixed; boundary=trailpack-", 0) == 0);
  auto parts = parts_of(with);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].header("content-type") == std::optional<std::string>("application/json"));
  CHECK(json::parse(parts[0].body)["id"] == uuid_n(1));
  CHECK(parts[1].header("x-experience-api-hash") == std::optional<std::string>(kTextSha));
  CHECK(parts[1].header("content-transfer-encoding") == std::optional<std::string>("binary"));
  CHECK(parts[1].header("content-type") == std::optional<std::string>("text/plain"));
  CHECK(parts[1].body == kText);

  // A query with attachments=true: the statement result first, each attachment once.
  const json again = statement_with(uuid_n(2), json::array({attachment(kTextSha, 27)}));
  REQUIRE(post_multipart(lrs, multipart("b2", {{"application/json", again.dump(), ""}, {"text/plain", kText, kTextSha}}), "b2").status == 200);
  auto query = lrs.srv.get("/xapi/statements?attachments=true", xapi_headers(lrs.auth));
  REQUIRE(query.status == 200);
  auto qparts = parts_of(query);
  REQUIRE(qparts.size() == 2);
  CHECK(json::parse(qparts[0].body)["statements"].size() == 2);
  CHECK(qparts[1].body == kText);

  // PUT takes multipart too.
  const json put = statement_with(uuid_n(3), json::array({attachment(kTextSha, 27)}));
  auto put_res = post_multipart(lrs, multipart("b3", {{"application/json", put.dump(), ""}, {"text/plain", kText, kTextSha}}), "b3",
                                "PUT", "?statementId=" + uuid_n(3));
  CHECK(put_res.status == 204);
  // And a multipart request without attachments at all is fine.
  json bare = statement_with(uuid_n(4), json::array());
  bare.erase("attachments");
  CHECK(post_multipart(lrs, multipart("b4", {{"application/json", bare.dump(), ""}}), "b4").status == 200);
}

TEST_CASE("xAPI attachments: fileUrl attachments go in JSON; data that is missing, extra, altered or mis-sized is 400",
          "[sync][xapi][attachments]") {
  Lrs lrs;
  const std::string sha = kTextSha;
  json with_url = attachment(sha, 27);
  with_url["fileUrl"] = "https://files.example.com/a.txt";
  CHECK(lrs.srv.post("/xapi/statements", statement_with(uuid_n(1), json::array({with_url})).dump(), xapi_headers(lrs.auth)).status == 200);
  // attachments=true with no data held: the JSON part alone.
  auto url_only = lrs.srv.get("/xapi/statements?statementId=" + uuid_n(1) + "&attachments=true", xapi_headers(lrs.auth));
  REQUIRE(url_only.status == 200);
  CHECK(parts_of(url_only).size() == 1);

  auto in_json = lrs.srv.post("/xapi/statements", statement_with(uuid_n(2), json::array({attachment(sha, 27)})).dump(), xapi_headers(lrs.auth));
  CHECK(in_json.status == 400);
  CHECK(error_code(in_json) == "invalid_attachment");
  CHECK(error_message(in_json) == "attachments[0]: an attachment without fileUrl must come with its data in a multipart/mixed request");

  const json s = statement_with(uuid_n(3), json::array({attachment(sha, 27)}));
  auto missing = post_multipart(lrs, multipart("b", {{"application/json", s.dump(), ""}}), "b");
  CHECK(missing.status == 400);
  CHECK(error_message(missing) == std::string("attachments[0]: no part has X-Experience-API-Hash ") + sha);

  auto altered = post_multipart(lrs, multipart("b", {{"application/json", s.dump(), ""}, {"text/plain", "here is a simple attachmenT", sha}}), "b");
  CHECK(altered.status == 400);
  CHECK(error_code(altered) == "invalid_multipart");
  CHECK(error_where(altered) == "part 2");
  CHECK(error_message(altered).rfind("part 2: the data does not match its X-Experience-API-Hash (it hashes to ", 0) == 0);

  const std::string other = "another file";
  const std::string other_sha = trailpack::crypto::sha256_hex(other);
  auto extra = post_multipart(
      lrs, multipart("b", {{"application/json", s.dump(), ""}, {"text/plain", kText, sha}, {"text/plain", other, other_sha}}), "b");
  CHECK(extra.status == 400);
  CHECK(error_message(extra) == "the part with X-Experience-API-Hash " + other_sha + " belongs to no attachment of the statements");

  const json wrong_length = statement_with(uuid_n(4), json::array({attachment(sha, 30)}));
  auto sized = post_multipart(lrs, multipart("b", {{"application/json", wrong_length.dump(), ""}, {"text/plain", kText, sha}}), "b");
  CHECK(sized.status == 400);
  CHECK(error_message(sized) == "attachments[0].length: 30 does not match the 27 bytes received");

  auto no_hash = post_multipart(lrs, multipart("b", {{"application/json", s.dump(), ""}, {"text/plain", kText, "", ""}}), "b");
  CHECK(no_hash.status == 400);
  CHECK(error_message(no_hash) == "part 2 has no X-Experience-API-Hash header");
  auto base64 = post_multipart(
      lrs, multipart("b", {{"application/json", s.dump(), ""}, {"text/plain", kText, "", "Content-Transfer-Encoding: base64\r\nX-Experience-API-Hash: " + sha + "\r\n"}}),
      "b");
  CHECK(base64.status == 400);
  CHECK(error_message(base64) == "part 2 has Content-Transfer-Encoding base64 (binary is required)");
  auto not_sha = post_multipart(lrs, multipart("b", {{"application/json", s.dump(), ""}, {"text/plain", kText, "abc123"}}), "b");
  CHECK(not_sha.status == 400);
  CHECK(error_message(not_sha) == "part 2: X-Experience-API-Hash must be a SHA-256, SHA-384 or SHA-512 in hex");
  auto first_not_json = post_multipart(lrs, multipart("b", {{"text/plain", s.dump(), ""}}), "b");
  CHECK(first_not_json.status == 400);
  CHECK(error_message(first_not_json) == "the first part must hold the statements, with Content-Type application/json");
  auto no_boundary = lrs.srv.request("POST", "/xapi/statements", "x", [&] {
    auto h = xapi_headers(lrs.auth);
    h["content-type"] = "multipart/mixed";
    return h;
  }());
  CHECK(no_boundary.status == 400);
  CHECK(error_message(no_boundary) == "a multipart/mixed body needs a boundary parameter");
  auto unclosed = post_multipart(lrs, "--b\r\nContent-Type: application/json\r\n\r\n{}", "b");
  CHECK(unclosed.status == 400);
  CHECK(error_message(unclosed) == "the multipart body is malformed: the body ends before the closing boundary (--b--)");
  auto text = lrs.srv.request("POST", "/xapi/statements", s.dump(), [&] {
    auto h = xapi_headers(lrs.auth);
    h["content-type"] = "text/plain";
    return h;
  }());
  CHECK(text.status == 400);
  CHECK(error_message(text) == "statements are sent as application/json or multipart/mixed, not text/plain");
  CHECK(count_statements(lrs.srv) == 1);

  // SHA-512 (and uppercase hex) are accepted.
  const std::string sha512 = *trailpack::server::crypto::sha2_hex(kText, 128);
  std::string upper = sha512;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const json s512 = statement_with(uuid_n(5), json::array({attachment(upper, 27)}));
  CHECK(post_multipart(lrs, multipart("b", {{"application/json", s512.dump(), ""}, {"text/plain", kText, sha512}}), "b").status == 200);
  auto served = parts_of(lrs.srv.get("/xapi/statements?statementId=" + uuid_n(5) + "&attachments=true", xapi_headers(lrs.auth)));
  REQUIRE(served.size() == 2);
  CHECK(served[1].body == kText);
}

TEST_CASE("xAPI attachments: an attachment over 16 MiB is 413 and nothing is stored", "[sync][xapi][attachments]") {
  Lrs lrs;
  const std::string big((16u << 20) + 1, 'x');
  const std::string sha = trailpack::crypto::sha256_hex(big);
  const json s = statement_with(uuid_n(1), json::array({attachment(sha, static_cast<std::int64_t>(big.size()))}));
  auto res = post_multipart(lrs, multipart("b", {{"application/json", s.dump(), ""}, {"text/plain", big, sha}}), "b");
  CHECK(res.status == 413);
  CHECK(error_code(res) == "attachment_too_large");
  CHECK(error_message(res) == "part 2 is larger than the attachment limit of 16777216 bytes");
  CHECK(count_statements(lrs.srv) == 0);
}

namespace {

// An RSA key and a self-signed certificate for it.
struct Signer {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{EVP_RSA_gen(2048), EVP_PKEY_free};
  std::string der;
  Signer() {
    REQUIRE(key);
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("trailpack test"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
    const int len = i2d_X509(cert.get(), nullptr);
    der.resize(static_cast<std::size_t>(len));
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_X509(cert.get(), &p);
  }
  std::string sign(const std::string& message) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
    std::size_t len = 0;
    REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1);
    std::string sig(len, '\0');
    REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1);
    sig.resize(len);
    return sig;
  }
  // A JWS (compact) of `payload` with this key, with or without the certificate.
  std::string jws(const json& payload, const std::string& alg = "RS256", bool x5c = true) const {
    json header = {{"alg", alg}};
    if (x5c) header["x5c"] = json::array({trailpack::base64_encode(der)});
    const std::string signing_input =
        trailpack::base64_encode(header.dump(), true) + "." + trailpack::base64_encode(payload.dump(), true);
    return signing_input + "." + trailpack::base64_encode(sign(signing_input), true);
  }
};

json signature_attachment(const std::string& jws) {
  return {{"usageType", kSignatureUsage},
          {"display", {{"en-US", "Signature"}}},
          {"contentType", "application/octet-stream"},
          {"length", static_cast<std::int64_t>(jws.size())},
          {"sha2", trailpack::crypto::sha256_hex(jws)}};
}

ClientResponse post_signed(Lrs& lrs, json statement, const std::string& jws) {
  statement["attachments"] = json::array({signature_attachment(jws)});
  return post_multipart(lrs,
                        multipart("sig", {{"application/json", statement.dump(), ""},
                                          {"application/octet-stream", jws, trailpack::crypto::sha256_hex(jws)}}),
                        "sig");
}

}  // namespace

TEST_CASE("xAPI attachments: signed statements are checked (JWS RS256 with x5c, payload equal to the statement)",
          "[sync][xapi][attachments]") {
  Lrs lrs;
  const Signer signer;
  json original = statement_with(uuid_n(1), json::array());
  original.erase("attachments");
  original["timestamp"] = "2013-04-01T12:00:00Z";

  auto ok = post_signed(lrs, original, signer.jws(original));
  CHECK(ok.status == 200);
  // Without a certificate the signature cannot be verified, but the JWS is well formed.
  json second = original;
  second["id"] = uuid_n(2);
  CHECK(post_signed(lrs, second, signer.jws(second, "RS256", false)).status == 200);
  CHECK(count_statements(lrs.srv) == 2);

  json third = original;
  third["id"] = uuid_n(3);
  json tampered = third;
  tampered["verb"]["id"] = "http://adlnet.gov/expapi/verbs/passed";
  auto other_payload = post_signed(lrs, third, signer.jws(tampered));
  CHECK(other_payload.status == 400);
  CHECK(error_message(other_payload) == "the signed payload is not the statement it is attached to");
  CHECK(error_where(other_payload) == "attachments[0]");

  auto hs256 = post_signed(lrs, third, signer.jws(third, "HS256"));
  CHECK(hs256.status == 400);
  CHECK(error_message(hs256) == "the signature's algorithm must be RS256, RS384 or RS512, not \"HS256\"");

  std::string broken = signer.jws(third);
  broken[broken.size() - 5] = broken[broken.size() - 5] == 'A' ? 'B' : 'A';
  auto bad_sig = post_signed(lrs, third, broken);
  CHECK(bad_sig.status == 400);
  CHECK(error_message(bad_sig) == "the signature does not verify with the x5c certificate");

  auto not_jws = post_signed(lrs, third, "not a jws");
  CHECK(not_jws.status == 400);
  CHECK(error_message(not_jws) == "the signature is not a JWS in compact serialization (header.payload.signature)");

  json url_signature = third;
  json att = signature_attachment("x");
  att["fileUrl"] = "https://example.com/sig";
  url_signature["attachments"] = json::array({att});
  auto url_only = lrs.srv.post("/xapi/statements", url_signature.dump(), xapi_headers(lrs.auth));
  CHECK(url_only.status == 400);
  CHECK(error_message(url_only) == "attachments: a signature must come with its data in the multipart/mixed request");
  CHECK(count_statements(lrs.srv) == 2);
}
