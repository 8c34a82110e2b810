// Statement attachments in the xAPI LRS (part three 1.5.2, part two 2.4.11 and 2.6):
// reading application/json and multipart/mixed statement bodies, checking that every
// attachment's data arrived (or has a fileUrl) and hashes to its sha2, checking signed
// statements, and writing multipart/mixed answers for attachments=true.
#include <algorithm>
#include <cctype>
#include <set>

#include "app/lrs.hpp"
#include "crypto.hpp"
#include "http/multipart.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"
#include "trailpack/xapi/format.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::server::lrs {

using nlohmann::json;

namespace {

constexpr const char* kSignatureUsage = "http://adlnet.gov/expapi/attachments/signature";

bool is_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

[[noreturn]] void bad(const std::string& message, const std::string& where = {}) {
  throw HttpError{400, "invalid_attachment", message, where, {}};
}

// Part two 2.6: a JWS (compact serialization) whose payload is the statement as it was
// before the signature was attached, signed RS256/384/512; with an x5c certificate
// chain, the signature must verify with its first certificate.
void check_signature(const json& statement, const std::string& jws, const std::string& where) {
  const auto dot1 = jws.find('.');
  const auto dot2 = dot1 == std::string::npos ? std::string::npos : jws.find('.', dot1 + 1);
  if (dot2 == std::string::npos || jws.find('.', dot2 + 1) != std::string::npos)
    bad("the signature is not a JWS in compact serialization (header.payload.signature)", where);
  const std::string header_b64 = jws.substr(0, dot1), payload_b64 = jws.substr(dot1 + 1, dot2 - dot1 - 1),
                    sig_b64 = jws.substr(dot2 + 1);
  auto header_text = base64_decode(header_b64);
  auto payload_text = base64_decode(payload_b64);
  auto signature = base64_decode(sig_b64);
  if (!header_text || !payload_text || !signature || signature->empty()) bad("the signature's JWS parts are not base64url", where);
  // Parsed with the nesting limit: the payload is compared with the statement below, and
  // comparing (or copying) JSON nested 100,000 deep would overflow the stack.
  auto header_json = parse_json_text(*header_text);
  if (!header_json || !header_json->is_object()) bad("the signature's JWS header is not a JSON object", where);
  const json header = std::move(header_json).value();
  const std::string alg = header.value("alg", "");
  int bits = 0;
  if (alg == "RS256") bits = 256;
  else if (alg == "RS384") bits = 384;
  else if (alg == "RS512") bits = 512;
  else bad("the signature's algorithm must be RS256, RS384 or RS512, not \"" + alg + "\"", where);
  auto payload_json = parse_json_text(*payload_text);
  if (!payload_json || !payload_json->is_object())
    bad("the signature's payload is not a JSON statement" +
            (payload_json ? std::string() : " (" + payload_json.error().message + ")"),
        where);
  const json payload = std::move(payload_json).value();
  // The received statement without its signature attachment(s) must be the payload.
  json received = statement;
  if (received.contains("attachments") && received["attachments"].is_array()) {
    json kept = json::array();
    for (const auto& a : received["attachments"])
      if (a.value("usageType", "") != kSignatureUsage) kept.push_back(a);
    if (kept.empty()) received.erase("attachments");
    else received["attachments"] = kept;
  }
  if (!payload.contains("id")) received.erase("id");  // the statement got its id after signing
  if (xapi::comparable_form(received) != xapi::comparable_form(payload))
    bad("the signed payload is not the statement it is attached to", where);
  if (header.contains("x5c")) {
    const json& chain = header["x5c"];
    if (!chain.is_array() || chain.empty() || !chain[0].is_string()) bad("the signature's x5c is not an array of certificates", where);
    auto der = base64_decode(chain[0].get<std::string>());
    if (!der) bad("the signature's x5c certificate is not base64", where);
    std::string why;
    if (!crypto::rsa_verify_with_certificate(header_b64 + "." + payload_b64, *signature, *der, bits, &why)) bad(why, where);
  }
}

}  // namespace

StatementsBody read_statements_body(const Request& req) {
  StatementsBody out;
  const std::string ct = req.header("content-type").value_or("application/json");
  const std::string type = media_type(ct);
  if (type == "application/json" || type.empty()) {
    if (req.body.size() > kStatementsJsonLimit)
      throw HttpError{413, "body_too_large", "statements are limited to " + std::to_string(kStatementsJsonLimit) + " bytes of JSON", {}, {}};
    out.json_text = req.body;
    return out;
  }
  if (type != "multipart/mixed")
    throw HttpError{400, "invalid_request", "statements are sent as application/json or multipart/mixed, not " + type, "Content-Type", {}};
  out.multipart = true;
  auto boundary = media_type_param(ct, "boundary");
  if (!boundary) throw HttpError{400, "invalid_request", "a multipart/mixed body needs a boundary parameter", "Content-Type", {}};
  std::string error;
  auto parts = parse_multipart(req.body, *boundary, kMaxParts, &error);
  if (!parts) throw HttpError{400, "invalid_multipart", "the multipart body is malformed: " + error, {}, {}};
  if (parts->empty()) throw HttpError{400, "invalid_multipart", "the multipart body has no parts", {}, {}};
  const auto& first = (*parts)[0];
  if (media_type(first.header("content-type").value_or("")) != "application/json")
    throw HttpError{400, "invalid_multipart", "the first part must hold the statements, with Content-Type application/json", "part 1", {}};
  if (first.body.size() > kStatementsJsonLimit)
    throw HttpError{413, "body_too_large", "statements are limited to " + std::to_string(kStatementsJsonLimit) + " bytes of JSON", "part 1", {}};
  out.json_text = first.body;
  for (std::size_t i = 1; i < parts->size(); ++i) {
    const auto& part = (*parts)[i];
    const std::string where = "part " + std::to_string(i + 1);
    auto hash = part.header("x-experience-api-hash");
    if (!hash) throw HttpError{400, "invalid_multipart", where + " has no X-Experience-API-Hash header", where, {}};
    if (auto cte = part.header("content-transfer-encoding"); cte && ascii_lower(*cte) != "binary")
      throw HttpError{400, "invalid_multipart", where + " has Content-Transfer-Encoding " + *cte + " (binary is required)", where, {}};
    if (part.body.size() > kAttachmentLimit)
      throw HttpError{413, "attachment_too_large",
                      where + " is larger than the attachment limit of " + std::to_string(kAttachmentLimit) + " bytes", where, {}};
    const std::string declared = ascii_lower(*hash);
    auto actual = is_hex(declared) ? crypto::sha2_hex(part.body, declared.size()) : std::nullopt;
    if (!actual)
      throw HttpError{400, "invalid_multipart", where + ": X-Experience-API-Hash must be a SHA-256, SHA-384 or SHA-512 in hex", where, {}};
    if (*actual != declared)
      throw HttpError{400, "invalid_multipart", where + ": the data does not match its X-Experience-API-Hash (it hashes to " + *actual + ")",
                      where, {}};
    out.attachments[declared] = AttachmentData{
        storable_content_type(part.header("content-type").value_or("application/octet-stream"), "invalid_multipart", where), part.body};
  }
  return out;
}

void check_attachments(const std::vector<json>& statements, bool batch, const StatementsBody& body) {
  std::set<std::string> used;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const json& s = statements[i];
    if (!s.is_object()) continue;  // validation reports it
    const std::string prefix = batch ? "[" + std::to_string(i) + "]." : "";
    const auto list = xapi::attachment_objects(s);
    for (std::size_t j = 0; j < list.size(); ++j) {
      const json& a = list[j];
      if (!a.is_object() || !a.contains("sha2") || !a["sha2"].is_string()) continue;  // validation reports it
      const std::string where = prefix + "attachments[" + std::to_string(j) + "]";
      const std::string sha2 = ascii_lower(a["sha2"].get<std::string>());
      auto data = body.attachments.find(sha2);
      if (data == body.attachments.end()) {
        if (a.contains("fileUrl")) continue;
        if (!body.multipart) bad(where + ": an attachment without fileUrl must come with its data in a multipart/mixed request", where);
        bad(where + ": no part has X-Experience-API-Hash " + sha2, where);
      }
      used.insert(sha2);
      if (a.contains("length") && a["length"].is_number_integer() &&
          a["length"].get<std::int64_t>() != static_cast<std::int64_t>(data->second.data.size()))
        bad(where + ".length: " + std::to_string(a["length"].get<std::int64_t>()) + " does not match the " +
                std::to_string(data->second.data.size()) + " bytes received",
            where + ".length");
      if (a.value("usageType", "") == kSignatureUsage) {
        if (media_type(a.value("contentType", "")) != "application/octet-stream")
          bad(where + ".contentType: a signature's contentType must be application/octet-stream", where + ".contentType");
        check_signature(s, data->second.data, where);
      }
    }
    for (const auto& a : list)
      if (a.is_object() && a.value("usageType", "") == kSignatureUsage && !body.attachments.count(ascii_lower(a.value("sha2", ""))))
        bad(prefix + "attachments: a signature must come with its data in the multipart/mixed request", prefix + "attachments");
  }
  for (const auto& [sha2, data] : body.attachments)
    if (!used.count(sha2)) bad("the part with X-Experience-API-Hash " + sha2 + " belongs to no attachment of the statements");
}

Response multipart_response(int status, const json& first, const std::vector<std::pair<std::string, AttachmentData>>& attachments) {
  std::vector<OutPart> parts;
  parts.push_back({{{"Content-Type", "application/json"}}, first.dump(-1, ' ', false, json::error_handler_t::replace)});
  for (const auto& [sha2, a] : attachments)
    parts.push_back({{{"Content-Type", a.content_type}, {"Content-Transfer-Encoding", "binary"}, {"X-Experience-API-Hash", sha2}}, a.data});
  const std::string boundary = "trailpack-" + crypto::random_token(18);
  Response r = Response::text(status, build_multipart(parts, boundary), "multipart/mixed; boundary=" + boundary);
  return r;
}

}  // namespace trailpack::server::lrs
