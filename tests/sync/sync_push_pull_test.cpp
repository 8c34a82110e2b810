// The device sync protocol on a real server: hello, push (idempotent, per-statement
// outcomes), pull (cursor paging), limits and gzip.
#include <catch2/catch.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "http/gzip.hpp"
#include "test_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;

namespace {

constexpr const char* kExperienced = "http://adlnet.gov/expapi/verbs/experienced";
constexpr const char* kCompleted = "http://adlnet.gov/expapi/verbs/completed";

std::vector<json> batch(const Device& d, std::uint64_t from, std::uint64_t count, char ns = 'a') {
  std::vector<json> out;
  for (std::uint64_t i = from; i < from + count; ++i)
    out.push_back(statement(d, uuid_n(i, ns), kExperienced, "urn:trailpack:course:demo:item:card-" + std::to_string(i)));
  return out;
}

json results_of(const trailpack::server::ClientResponse& res) { return body_json(res)["results"]; }

std::string stored_body(TestServer& srv, const std::string& id) {
  std::string body;
  srv.app().db().read([&](trailpack::server::db::Connection& c) {
    auto rows = c.query("SELECT body FROM statements WHERE id = $1", {id});
    if (!rows.empty()) body = rows[0].str(0);
  });
  return body;
}

}  // namespace

TEST_CASE("sync hello: protocol version, capabilities and limits", "[sync][push]") {
  TestServer srv;
  auto res = srv.get("/api/v1/sync/hello");
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  CHECK(j["protocol_versions"] == json::array({1}));
  CHECK(j["capabilities"] == json::array({"push", "pull", "gzip", "statement-results"}));
  CHECK(j["max_push_statements"] == 500);
  CHECK(j["max_push_bytes"] == 8 * 1024 * 1024);
  const auto t = j["server_time"].get<std::int64_t>();
  CHECK(std::llabs(t - srv.app().now_ms()) < 60'000);
}

TEST_CASE("sync push: stores a batch, the same batch again is all duplicates, stored once", "[sync][push]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  const auto statements = batch(d, 1, 3);
  auto first = push(srv, d, statements);
  REQUIRE(first.status == 200);
  json j = body_json(first);
  CHECK(j["protocol"] == 1);
  CHECK(j["stored"] == 3);
  CHECK(j["duplicates"] == 0);
  REQUIRE(j["results"].size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(j["results"][i]["id"] == statements[i]["id"]);
    CHECK(j["results"][i]["status"] == "stored");
  }
  const auto cursor = j["cursor"].get<std::int64_t>();
  CHECK(cursor > 0);
  CHECK(count_statements(srv) == 3);
  CHECK(count_statements_where(srv, "user_id = $1 AND device_id = $2", {d.user_id, d.device_id}) == 3);

  // The device did not hear the answer and sends the batch again.
  auto again = push(srv, d, statements);
  REQUIRE(again.status == 200);
  j = body_json(again);
  CHECK(j["stored"] == 0);
  CHECK(j["duplicates"] == 3);
  for (const auto& r : j["results"]) CHECK(r["status"] == "duplicate");
  CHECK(j["cursor"] == cursor);
  CHECK(count_statements(srv) == 3);

  // Duplicates inside one batch too.
  auto twice = push(srv, d, {batch(d, 10, 1)[0], batch(d, 10, 1)[0]});
  REQUIRE(twice.status == 200);
  CHECK(results_of(twice)[0]["status"] == "stored");
  CHECK(results_of(twice)[1]["status"] == "duplicate");
  CHECK(count_statements(srv) == 4);
}

TEST_CASE("sync push: the same id with different content is a conflict and the stored one is unchanged",
          "[sync][push]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  const json original = batch(d, 1, 1)[0];
  REQUIRE(push(srv, d, {original}).status == 200);
  const std::string before = stored_body(srv, original["id"]);
  REQUIRE(!before.empty());

  json changed = original;
  changed["verb"]["id"] = kCompleted;
  auto res = push(srv, d, {changed, batch(d, 2, 1)[0]});
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  CHECK(j["conflicts"] == 1);
  CHECK(j["stored"] == 1);
  CHECK(j["results"][0]["status"] == "conflict");
  CHECK(j["results"][0]["error"] == "a different statement with this id is already stored");
  CHECK(j["results"][1]["status"] == "stored");
  CHECK(stored_body(srv, original["id"]) == before);
  CHECK(json::parse(stored_body(srv, original["id"]))["verb"]["id"] == kExperienced);
  CHECK(count_statements(srv) == 2);
  // Sent twice in one batch, the changed statement is a conflict twice: the repeat shares
  // the first one's fate instead of being a "duplicate" (which a client marks as synced).
  auto twice = push(srv, d, {changed, changed});
  REQUIRE(twice.status == 200);
  CHECK(body_json(twice)["conflicts"] == 2);
  CHECK(results_of(twice)[1]["status"] == "conflict");
  CHECK(results_of(twice)[1]["error"] == "a different statement with this id is already stored");

  // Same id, same content with a different timestamp spelling of the same instant: duplicate.
  json respelled = original;
  respelled["timestamp"] = "2026-11-22T11:00:00+01:00";
  auto dup = push(srv, d, {respelled});
  REQUIRE(dup.status == 200);
  CHECK(results_of(dup)[0]["status"] == "duplicate");
  // Upper-case id of a stored statement: the same statement.
  json upper = original;
  std::string id = upper["id"];
  for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper["id"] = id;
  auto dup2 = push(srv, d, {upper});
  REQUIRE(dup2.status == 200);
  CHECK(results_of(dup2)[0]["status"] == "duplicate");
  CHECK(results_of(dup2)[0]["id"] == original["id"]);
}

TEST_CASE("sync push: an invalid statement is rejected with its path while its neighbours are stored",
          "[sync][push]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto statements = batch(d, 1, 3);
  statements[1]["verb"]["id"] = "not an iri";
  json no_object = batch(d, 4, 1)[0];
  no_object.erase("object");
  statements.push_back(no_object);
  auto res = push(srv, d, statements);
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  CHECK(j["stored"] == 2);
  CHECK(j["rejected"] == 2);
  CHECK(j["results"][0]["status"] == "stored");
  CHECK(j["results"][1]["status"] == "rejected");
  CHECK(j["results"][1]["id"] == statements[1]["id"]);
  CHECK(j["results"][1]["error"] == "verb.id: must be an absolute IRI");
  CHECK(j["results"][2]["status"] == "stored");
  CHECK(j["results"][3]["status"] == "rejected");
  CHECK(j["results"][3]["error"] == "object: is required");
  CHECK(count_statements(srv) == 2);
  CHECK(stored_body(srv, statements[1]["id"]).empty());
}

TEST_CASE("sync push: a learner cannot record a statement for another learner", "[sync][push]") {
  TestServer srv;
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  Device sam = srv.enroll_learner("sam@example.com", "Sam");
  json forged = statement(sam, uuid_n(1), kCompleted, "urn:trailpack:course:demo:item:final");
  json own = statement(lea, uuid_n(2), kCompleted, "urn:trailpack:course:demo:item:final");
  auto res = push(srv, lea, {forged, own});
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  CHECK(j["results"][0]["status"] == "rejected");
  CHECK(j["results"][0]["error"] == "actor: a learner can only record their own statements");
  CHECK(j["results"][1]["status"] == "stored");
  CHECK(count_statements_where(srv, "user_id = $1", {sam.user_id}) == 0);
  CHECK(count_statements(srv) == 1);

  // The same person by email instead of the account is still not Lea.
  json by_mail = own;
  by_mail["id"] = uuid_n(3);
  by_mail["actor"] = {{"mbox", "mailto:sam@example.com"}};
  CHECK(results_of(push(srv, lea, {by_mail}))[0]["status"] == "rejected");
}

TEST_CASE("sync push: a learner cannot void another learner's statement", "[sync][push]") {
  TestServer srv;
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  Device sam = srv.enroll_learner("sam@example.com", "Sam");
  const json sams = statement(sam, uuid_n(1), kCompleted, "urn:trailpack:course:demo:item:final");
  REQUIRE(results_of(push(srv, sam, {sams}))[0]["status"] == "stored");
  json voiding = statement(lea, uuid_n(2), "http://adlnet.gov/expapi/verbs/voided", "");
  voiding["object"] = {{"objectType", "StatementRef"}, {"id", sams["id"]}};
  auto res = push(srv, lea, {voiding});
  REQUIRE(res.status == 200);
  CHECK(results_of(res)[0]["status"] == "rejected");
  CHECK(results_of(res)[0]["error"] == "object: a learner can only void their own statements");
  CHECK(count_statements_where(srv, "id = $1 AND voided = 0", {sams["id"]}) == 1);
  // Twice in one batch: rejected twice, with the same reason.
  auto twice = results_of(push(srv, lea, {voiding, voiding}));
  CHECK(twice[1]["status"] == "rejected");
  CHECK(twice[1]["error"] == "object: a learner can only void their own statements");

  // Voiding one's own statement works and hides it from the learner's progress.
  json own = statement(lea, uuid_n(3), kCompleted, "urn:trailpack:course:demo:item:final");
  REQUIRE(results_of(push(srv, lea, {own}))[0]["status"] == "stored");
  voiding["id"] = uuid_n(4);
  voiding["object"]["id"] = own["id"];
  CHECK(results_of(push(srv, lea, {voiding}))[0]["status"] == "stored");
  CHECK(count_statements_where(srv, "id = $1 AND voided = 1", {own["id"]}) == 1);

  // Nor in advance: a voiding statement for an id that Sam only records later.
  voiding["id"] = uuid_n(5);
  voiding["object"]["id"] = uuid_n(6);
  CHECK(results_of(push(srv, lea, {voiding}))[0]["status"] == "stored");
  REQUIRE(results_of(push(srv, sam, {statement(sam, uuid_n(6), kCompleted, "urn:trailpack:course:demo:item:final")}))[0]["status"] == "stored");
  CHECK(count_statements_where(srv, "id = $1 AND voided = 0", {uuid_n(6)}) == 1);
  // Lea's own later statement is voided by her earlier voiding statement.
  voiding["id"] = uuid_n(7);
  voiding["object"]["id"] = uuid_n(8);
  CHECK(results_of(push(srv, lea, {voiding}))[0]["status"] == "stored");
  REQUIRE(results_of(push(srv, lea, {statement(lea, uuid_n(8), kCompleted, "urn:trailpack:course:demo:item:final")}))[0]["status"] == "stored");
  CHECK(count_statements_where(srv, "id = $1 AND voided = 1", {uuid_n(8)}) == 1);
}

TEST_CASE("sync push: 501 statements are refused whole with 400", "[sync][push][limits]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto res = push(srv, d, batch(d, 1, 501));
  CHECK(res.status == 400);
  CHECK(error_code(res) == "invalid_push");
  CHECK(error_where(res) == "statements");
  CHECK(error_message(res) == "a batch holds at most 500 statements, found 501");
  CHECK(count_statements(srv) == 0);
  // 500 is fine.
  auto ok = push(srv, d, batch(d, 1, 500));
  REQUIRE(ok.status == 200);
  CHECK(body_json(ok)["stored"] == 500);
}

TEST_CASE("sync push: a 2 MiB batch sent with Content-Length is stored (the push limit is 8 MiB, not the 1 MiB default)",
          "[sync][push][limits]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto statements = batch(d, 1, 100);
  for (auto& s : statements) s["result"] = {{"extensions", {{"urn:trailpack:ext:notes", std::string(22 * 1024, 'n')}}}};
  const json body = {{"protocol", 1}, {"device_id", d.device_id}, {"statements", statements}};
  REQUIRE(body.dump().size() > 2u * 1024 * 1024);
  auto res = srv.post("/api/v1/sync/push", body.dump(), TestServer::bearer(d.access_token));
  REQUIRE(res.status == 200);
  CHECK(body_json(res)["stored"] == 100);
  CHECK(count_statements(srv) == 100);
}

TEST_CASE("sync push: bad shapes and the wrong credentials", "[sync][push]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto no_list = srv.post("/api/v1/sync/push", json{{"protocol", 1}, {"device_id", d.device_id}, {"statements", 5}}.dump(),
                          TestServer::bearer(d.access_token));
  CHECK(no_list.status == 400);
  CHECK(error_code(no_list) == "invalid_push");
  CHECK(error_where(no_list) == "statements");
  auto v2 = srv.post("/api/v1/sync/push", json{{"protocol", 2}, {"device_id", d.device_id}, {"statements", json::array()}}.dump(),
                     TestServer::bearer(d.access_token));
  CHECK(v2.status == 400);
  CHECK(error_where(v2) == "protocol");
  auto anon = srv.post("/api/v1/sync/push", json{{"protocol", 1}, {"device_id", "x"}, {"statements", json::array()}}.dump());
  CHECK(anon.status == 401);
  auto console = srv.post("/api/v1/sync/push", json{{"protocol", 1}, {"device_id", "x"}, {"statements", json::array()}}.dump(),
                          TestServer::bearer(srv.admin_token()));
  CHECK(console.status == 403);
  CHECK(error_code(console) == "forbidden");
}

TEST_CASE("sync push: a gzip-encoded body works", "[sync][push]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  const json body = {{"protocol", 1}, {"device_id", d.device_id}, {"statements", batch(d, 1, 50)}};
  auto headers = TestServer::bearer(d.access_token);
  headers["content-encoding"] = "gzip";
  auto res = srv.post("/api/v1/sync/push", trailpack::server::gzip_deflate(body.dump()), headers);
  REQUIRE(res.status == 200);
  CHECK(body_json(res)["stored"] == 50);
  CHECK(count_statements(srv) == 50);

  headers["content-encoding"] = "br";
  auto br = srv.post("/api/v1/sync/push", body.dump(), headers);
  CHECK(br.status == 415);
  CHECK(error_code(br) == "unsupported_encoding");
}

TEST_CASE("sync pull: cursor paging with more walks over 1100 statements exactly once", "[sync][pull]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  std::vector<std::string> pushed;
  for (std::uint64_t from : {1, 501, 1001}) {
    auto b = batch(d, from, from == 1001 ? 100 : 500);
    for (const auto& s : b) pushed.push_back(s["id"]);
    auto res = push(srv, d, b);
    REQUIRE(res.status == 200);
    REQUIRE(body_json(res)["stored"] == b.size());
  }
  REQUIRE(pushed.size() == 1100);

  // Pages of 400: 400, 400, 300.
  std::vector<std::string> pulled;
  std::vector<std::size_t> pages;
  std::int64_t cursor = 0;
  for (int guard = 0; guard < 10; ++guard) {
    auto res = pull(srv, d, cursor, 400);
    REQUIRE(res.status == 200);
    const json j = body_json(res);
    pages.push_back(j["statements"].size());
    for (const auto& s : j["statements"]) {
      pulled.push_back(s["id"]);
      CHECK(s.contains("stored"));
    }
    CHECK(j["cursor"].get<std::int64_t>() > cursor);
    cursor = j["cursor"];
    if (!j["more"].get<bool>()) break;
  }
  CHECK(pages == std::vector<std::size_t>{400, 400, 300});
  CHECK(pulled == pushed);

  // The default page is the protocol maximum (1000).
  auto first = pull(srv, d, 0);
  REQUIRE(first.status == 200);
  CHECK(body_json(first)["statements"].size() == 1000);
  CHECK(body_json(first)["more"] == true);
  auto rest = pull(srv, d, body_json(first)["cursor"]);
  CHECK(body_json(rest)["statements"].size() == 100);
  CHECK(body_json(rest)["more"] == false);

  // At the end: nothing new, the cursor stays.
  auto end = pull(srv, d, cursor);
  REQUIRE(end.status == 200);
  CHECK(body_json(end)["statements"].empty());
  CHECK(body_json(end)["cursor"] == cursor);
  CHECK(body_json(end)["more"] == false);

  auto too_big = pull(srv, d, 0, 1001);
  CHECK(too_big.status == 400);
  CHECK(error_code(too_big) == "invalid_pull");
  CHECK(error_where(too_big) == "limit");
}

TEST_CASE("sync pull: a second device of the same learner receives the first device's statements, other learners do not",
          "[sync][pull]") {
  TestServer srv;
  Device phone = srv.enroll_learner("lea@example.com", "Lea");
  Device tablet = srv.enroll_learner("lea@example.com", "Lea");  // same learner, second device
  Device sam = srv.enroll_learner("sam@example.com", "Sam");
  REQUIRE(phone.user_id == tablet.user_id);
  REQUIRE(phone.device_id != tablet.device_id);
  const auto from_phone = batch(phone, 1, 5);
  REQUIRE(body_json(push(srv, phone, from_phone))["stored"] == 5);
  REQUIRE(body_json(push(srv, sam, batch(sam, 100, 3, 'b')))["stored"] == 3);

  auto res = pull(srv, tablet, 0);
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  REQUIRE(j["statements"].size() == 5);
  for (std::size_t i = 0; i < 5; ++i) CHECK(j["statements"][i]["id"] == from_phone[i]["id"]);
  CHECK(j["courses"].is_array());

  auto sams = pull(srv, sam, 0);
  REQUIRE(sams.status == 200);
  CHECK(body_json(sams)["statements"].size() == 3);
}

TEST_CASE("sync pull: skip_own leaves out what the calling device pushed, page by page", "[sync][pull]") {
  TestServer srv;
  Device phone = srv.enroll_learner("lea@example.com", "Lea");
  Device tablet = srv.enroll_learner("lea@example.com", "Lea");
  const auto first = batch(phone, 1, 5);
  const auto from_tablet = batch(tablet, 100, 3, 'b');
  const auto later = batch(phone, 6, 2);
  REQUIRE(body_json(push(srv, phone, first))["stored"] == 5);
  REQUIRE(body_json(push(srv, tablet, from_tablet))["stored"] == 3);
  REQUIRE(body_json(push(srv, phone, later))["stored"] == 2);
  auto pull_own = [&](const Device& d, std::int64_t cursor, std::optional<int> limit, bool skip) {
    json body = {{"protocol", 1}, {"cursor", cursor}, {"skip_own", skip}};
    if (limit) body["limit"] = *limit;
    auto res = srv.post("/api/v1/sync/pull", body.dump(), TestServer::bearer(d.access_token));
    REQUIRE(res.status == 200);
    return body_json(res);
  };
  auto ids = [](const json& page) {
    std::vector<std::string> out;
    for (const auto& st : page["statements"]) out.push_back(st["id"].get<std::string>());
    return out;
  };
  auto ids_of = [](const std::vector<json>& list) {
    std::vector<std::string> out;
    for (const auto& st : list) out.push_back(st["id"].get<std::string>());
    return out;
  };

  // Without skip_own the phone gets all ten, its own included (the default, as before).
  CHECK(pull_own(phone, 0, {}, false)["statements"].size() == 10);
  // With it, only the tablet's three; the tablet only the phone's seven.
  const json mine = pull_own(phone, 0, {}, true);
  CHECK(ids(mine) == ids_of(from_tablet));
  CHECK(mine["more"] == false);
  auto phone_ids = ids_of(first);
  for (const auto& id : ids_of(later)) phone_ids.push_back(id);
  CHECK(ids(pull_own(tablet, 0, {}, true)) == phone_ids);

  // Paging: the phone's own rows are passed over, so each page of 2 is full but the last
  // (2 + 1: two pages), and the last page's cursor is past the phone's own last two.
  // The tablet's walk over the phone's seven: 2 + 2 + 2 + 1, its own three passed over.
  auto walk = [&](const Device& d, std::int64_t& cursor) {
    std::vector<std::string> walked;
    int pages = 0;
    for (bool more = true; more && pages < 20; ++pages) {
      const json page = pull_own(d, cursor, 2, true);
      CHECK(page["statements"].size() == (page["more"].get<bool>() ? 2U : page["statements"].size()));
      CHECK_FALSE(page["statements"].empty());
      for (const auto& id : ids(page)) walked.push_back(id);
      cursor = page["cursor"].get<std::int64_t>();
      more = page["more"].get<bool>();
    }
    return std::make_pair(walked, pages);
  };
  std::int64_t cursor = 0;
  const auto [walked, pages] = walk(phone, cursor);
  CHECK(pages == 2);
  CHECK(walked == ids_of(from_tablet));
  const std::int64_t end = pull_own(phone, 0, {}, false)["cursor"].get<std::int64_t>();
  CHECK(cursor == end);
  std::int64_t tablet_cursor = 0;
  const auto [tablet_walked, tablet_pages] = walk(tablet, tablet_cursor);
  CHECK(tablet_pages == 4);
  CHECK(tablet_walked == phone_ids);
  CHECK(tablet_cursor == end);
  // Nothing new: the cursor stays, no statement comes.
  const json idle = pull_own(phone, cursor, {}, true);
  CHECK(idle["statements"].empty());
  CHECK(idle["cursor"] == cursor);

  // What the tablet pushes after that cursor arrives on the next pull.
  const auto newer = batch(tablet, 200, 1, 'c');
  REQUIRE(body_json(push(srv, tablet, newer))["stored"] == 1);
  CHECK(ids(pull_own(phone, cursor, {}, true)) == ids_of(newer));
}

TEST_CASE("sync pull: a page stops at 4 MiB of statements, so large statements make shorter pages", "[sync][pull][limits]") {
  TestServer srv;
  Device phone = srv.enroll_learner("lea@example.com", "Lea");
  Device tablet = srv.enroll_learner("lea@example.com", "Lea");
  // Twelve statements of 900 KiB (four fit in 4 MiB), then one of 5 MiB (more than a page
  // on its own: it still comes, alone), then two small ones.
  auto statements = batch(phone, 1, 15);
  for (std::size_t i = 0; i < 13; ++i)
    statements[i]["result"]["extensions"]["http://example.com/essay"] = std::string(i < 12 ? 900 * 1024 : 5 * 1024 * 1024, 'x');
  for (std::size_t from = 0; from < statements.size();) {
    const std::size_t n = from < 12 ? 4 : 1;
    auto res = push(srv, phone, std::vector<json>(statements.begin() + static_cast<std::ptrdiff_t>(from),
                                                  statements.begin() + static_cast<std::ptrdiff_t>(from + n)));
    REQUIRE(res.status == 200);
    from += n;
  }
  std::vector<std::size_t> sizes;
  std::vector<std::string> walked;
  std::int64_t cursor = 0;
  for (bool more = true; more && sizes.size() < 20;) {
    const json page = body_json(pull(srv, tablet, cursor));
    sizes.push_back(page["statements"].size());
    for (const auto& st : page["statements"]) walked.push_back(st["id"]);
    cursor = page["cursor"].get<std::int64_t>();
    more = page["more"].get<bool>();
  }
  CHECK(sizes == std::vector<std::size_t>{4, 4, 4, 1, 2});
  std::vector<std::string> expected;
  for (const auto& st : statements) expected.push_back(st["id"]);
  CHECK(walked == expected);
}

TEST_CASE("sync pull: a client that accepts gzip gets a gzip body", "[sync][pull]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  REQUIRE(body_json(push(srv, d, batch(d, 1, 20)))["stored"] == 20);
  auto headers = TestServer::bearer(d.access_token);
  headers["accept-encoding"] = "gzip";
  auto res = srv.post("/api/v1/sync/pull", json{{"protocol", 1}, {"cursor", 0}}.dump(), headers);
  REQUIRE(res.status == 200);
  CHECK(res.headers["content-encoding"] == "gzip");
  CHECK(res.headers["vary"] == "Accept-Encoding");
  std::string plain;
  REQUIRE(trailpack::server::gzip_inflate(res.body, 1 << 20, plain) == trailpack::server::InflateStatus::ok);
  CHECK(json::parse(plain)["statements"].size() == 20);
  // Without Accept-Encoding: plain JSON.
  auto identity = pull(srv, d, 0);
  CHECK_FALSE(identity.headers.count("content-encoding"));
  CHECK(body_json(identity)["statements"].size() == 20);
}
