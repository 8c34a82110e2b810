// The PostgreSQL backend. First the Database contract, checked on SQLite and (when
// TRAILPACK_TEST_PG_ADMIN_URL is set, see scripts/with-postgres) on PostgreSQL alike; then
// what only a shared server database shows: two server processes (two App instances, each
// with its own HTTP server and connection pool) on one database at the same time.
// Without the variable the [postgres] cases succeed without running.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <fstream>
#include <sstream>

#include "crypto.hpp"
#include "db/database.hpp"
#include "db/schema.hpp"
#include "pg_scratch.hpp"
#include "server_fixture.hpp"
#include "trailpack/bundle/authoring.hpp"
#include "trailpack/bundle/manifest.hpp"
#include "trailpack/crypto/sha256.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/time.hpp"

namespace {

using nlohmann::json;
using trailpack::test::pg_admin_url;
using trailpack::test::ScratchPgDatabase;
namespace db = trailpack::server::db;
namespace fs = std::filesystem;

#define REQUIRE_POSTGRES_OR_SKIP()                                                                       \
  const std::string pg_admin = pg_admin_url();                                                           \
  if (pg_admin.empty()) {                                                                                \
    SUCCEED("skipped: TRAILPACK_TEST_PG_ADMIN_URL is not set (run under scripts/with-postgres)");        \
    return;                                                                                              \
  }

// A fresh SQLite file (removed at the end) or PostgreSQL database (dropped at the end).
struct Backend {
  std::string label;
  std::string url;
  std::unique_ptr<ScratchPgDatabase> pg;
  fs::path dir;
  ~Backend() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

std::vector<std::unique_ptr<Backend>> backends() {
  std::vector<std::unique_ptr<Backend>> out;
  auto sqlite = std::make_unique<Backend>();
  sqlite->label = "sqlite";
  sqlite->dir = fs::temp_directory_path() / ("trailpack-dbtest-" + std::to_string(std::random_device{}()));
  fs::create_directories(sqlite->dir);
  sqlite->url = (sqlite->dir / "test.db").string();
  out.push_back(std::move(sqlite));
  if (const std::string admin = pg_admin_url(); !admin.empty()) {
    auto pg = std::make_unique<Backend>();
    pg->label = "postgres";
    pg->pg = std::make_unique<ScratchPgDatabase>(admin);
    pg->url = pg->pg->url();
    out.push_back(std::move(pg));
  }
  return out;
}

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

// One "server process": an App with its own pool, routes and HTTP server. Both nodes of a
// test share the public URL, as two processes behind one load balancer do (learners'
// actors name it).
struct Node {
  Node(const std::string& database, const std::string& public_url) {
    router = std::make_unique<trailpack::server::Router>();
    http = std::make_unique<trailpack::server::HttpServer>(*router, trailpack::server::ServerLimits{});
    const unsigned short port = http->listen("127.0.0.1", 0);
    url = "http://127.0.0.1:" + std::to_string(port);
    trailpack::server::Config cfg;
    cfg.database = database;
    cfg.public_url = public_url;
    cfg.port = port;
    cfg.threads = 2;
    cfg.log_level = "error";
    trailpack::server::set_log_level("error");
    app = std::make_unique<trailpack::server::App>(cfg);
    trailpack::server::register_routes(*router, *app);
    thread = std::thread([this] { http->run(4); });
  }
  ~Node() {
    http->stop();
    thread.join();
    http.reset();
    app.reset();
  }
  trailpack::server::ClientResponse post(const std::string& path, const json& body, std::map<std::string, std::string> headers) {
    headers["content-type"] = "application/json";
    return trailpack::server::http_request("POST", url + path, body.dump(), headers, 60);
  }

  std::unique_ptr<trailpack::server::Router> router;
  std::unique_ptr<trailpack::server::HttpServer> http;
  std::unique_ptr<trailpack::server::App> app;
  std::thread thread;
  std::string url;
};

std::string uuid_for(int n, int range) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", range, n);
  return buf;
}

// A learner with one enrolled device, and an xAPI client that writes statements: the two
// ways a learner's statements reach the server.
struct Learner {
  trailpack::test::Device device;
  std::map<std::string, std::string> bearer;
  std::map<std::string, std::string> basic;
};

Learner enroll(Node& node, const std::string& public_url) {
  auto& app = *node.app;
  const std::string org = app.create_org("Org");
  Learner l;
  l.device.user_id = app.create_user(org, "learner@example.com", "Learner", "learner", "");
  const std::string code = app.create_enrollment_code(l.device.user_id, 3600, 5);
  auto res = node.post("/api/v1/auth/enroll", {{"code", code}, {"device_name", "tablet"}}, {});
  REQUIRE(res.status == 200);
  const json j = json::parse(res.body);
  l.device.device_id = j["device_id"];
  l.device.access_token = j["access_token"];
  l.device.agent = {{"objectType", "Agent"}, {"account", {{"homePage", public_url}, {"name", l.device.user_id}}}};
  l.bearer = {{"authorization", "Bearer " + l.device.access_token}};
  auto [key, secret] = app.create_xapi_client("lms", {"statements/write", "statements/read"});
  l.basic = {{"authorization", "Basic " + trailpack::base64_encode(key + ":" + secret)}, {"x-experience-api-version", "1.0.3"}};
  return l;
}

json statement_for(const Learner& l, const std::string& id) {
  return trailpack::test::statement(l.device, id, "http://adlnet.gov/expapi/verbs/experienced",
                                    "urn:trailpack:course:safety:item:" + id.substr(24));
}

// About someone who is no user of this server (another LRS's learner): no learner lock
// orders these, so two processes storing the same id really race to insert it.
json foreign_statement(const std::string& id) {
  json s = trailpack::test::statement(trailpack::test::Device{}, id, "http://adlnet.gov/expapi/verbs/experienced",
                                      "https://elsewhere.example/activity/" + id.substr(24));
  s["actor"] = {{"objectType", "Agent"}, {"mbox", "mailto:visitor@elsewhere.example"}};
  return s;
}

std::int64_t ingested(trailpack::server::App& app) {
  const std::string text = app.metrics().render(0);
  const std::string name = "\ntrailpack_statements_ingested_total ";
  const auto at = text.find(name);
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + name.size()));
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// The example course, packed and signed like `trailpack pack` does; `edit` may change
// its sources first (a new version).
std::string pack_example(const trailpack::server::crypto::KeyPair& kp,
                         const std::function<void(std::vector<trailpack::bundle::SourceFile>&)>& edit = {}) {
  namespace bundle = trailpack::bundle;
  const fs::path dir = fs::path(TRAILPACK_SOURCE_DIR) / "tests/fixtures/courses/safety-basics";
  std::vector<bundle::SourceFile> sources;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) sources.push_back({fs::relative(e.path(), dir).generic_string(), read_file(e.path())});
  if (edit) edit(sources);
  auto compiled = bundle::compile_course(sources);
  REQUIRE(compiled);
  bundle::Manifest m;
  m.course_id = compiled->course.id;
  m.version = compiled->course.version;
  m.title = compiled->course.title;
  m.language = compiled->course.language;
  m.created = trailpack::format_timestamp(0);
  auto files = compiled->files;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (const auto& f : files) m.files.push_back({f.path, trailpack::crypto::sha256_hex(f.data), f.data.size()});
  const std::string manifest = bundle::manifest_to_json(m).dump(2) + "\n";
  bundle::Signature sig;
  sig.key_id = bundle::key_id_of(kp.public_key);
  sig.signature = trailpack::server::crypto::ed25519_sign(manifest, kp.secret_key);
  std::vector<bundle::ArchiveEntry> entries = {{"manifest.json", manifest}, {"manifest.sig", bundle::signature_to_json(sig).dump() + "\n"}};
  for (auto& f : files) entries.push_back(std::move(f));
  auto tar = bundle::write_tar(entries);
  REQUIRE(tar);
  return *tar;
}

}  // namespace

TEST_CASE("storage: values, row counts, errors and snapshots behave alike on both backends", "[storage]") {
  for (auto& b : backends()) {
    INFO("backend: " << b->label);
    auto database = db::Database::open(b->url);
    const bool pg = database->dialect() == db::Dialect::postgres;
    CHECK(database->health() == "ok");

    database->write([&](db::Connection& c) {
      c.exec_script(std::string("CREATE TABLE t (k INTEGER PRIMARY KEY, i BIGINT, d ") + (pg ? "DOUBLE PRECISION" : "REAL") +
                    ", s TEXT, b " + (pg ? "BYTEA" : "BLOB") + ", n TEXT)");
    });
    const std::string blob = all_bytes() + std::string("\0\0tail\0", 7);
    database->write([&](db::Connection& c) {
      CHECK(c.exec("INSERT INTO t(k, i, d, s, b, n) VALUES ($1, $2, $3, $4, $5, $6)",
                   {std::int64_t{1}, INT64_MAX, 0.1, std::string("h\xc3\xa9llo \xe2\x98\x83"), db::Blob{blob}, nullptr}) == 1);
      CHECK(c.exec("INSERT INTO t(k, i, d, s, b, n) VALUES ($1, $2, $3, $4, $5, $6)",
                   {std::int64_t{2}, INT64_MIN, -1.0e300, std::string(), db::Blob{"x"}, std::string("y")}) == 1);
      CHECK(c.exec("INSERT INTO t(k, i, d, s, b, n) VALUES ($1, $2, $3, $4, $5, $6)",
                   {std::int64_t{3}, std::int64_t{0}, 1.0 / 3.0, std::string("z"), nullptr, nullptr}) == 1);
      CHECK(c.exec("UPDATE t SET n = 'u' WHERE k >= $1", {std::int64_t{2}}) == 2);
      CHECK(c.exec("INSERT INTO t(k) VALUES ($1) ON CONFLICT DO NOTHING", {std::int64_t{1}}) == 0);
      auto ret = c.query("INSERT INTO t(k, s) VALUES ($1, $2) RETURNING k, s", {std::int64_t{4}, std::string("r")});
      REQUIRE(ret.size() == 1);
      CHECK(ret[0].i64(0) == 4);
      CHECK(ret[0].str(1) == "r");
      c.exec_script("UPDATE t SET s = 'four' WHERE k = 4; UPDATE t SET n = 'four' WHERE k = 4");
    });

    database->read([&](db::Connection& c) {
      auto rows = c.query("SELECT k, i, d, s, b, n FROM t ORDER BY k");
      REQUIRE(rows.size() == 4);
      const auto& r1 = rows[0];
      CHECK(std::get<std::int64_t>(r1.cols[1]) == INT64_MAX);
      CHECK(std::get<double>(r1.cols[2]) == 0.1);
      CHECK(std::get<std::string>(r1.cols[3]) == "h\xc3\xa9llo \xe2\x98\x83");
      CHECK(std::get<db::Blob>(r1.cols[4]).bytes == blob);
      CHECK(r1.is_null(5));
      CHECK(std::get<std::int64_t>(rows[1].cols[1]) == INT64_MIN);
      CHECK(std::get<double>(rows[1].cols[2]) == -1.0e300);
      CHECK(std::get<std::string>(rows[1].cols[3]).empty());
      CHECK(rows[1].str(5) == "u");
      CHECK(std::get<double>(rows[2].cols[2]) == 1.0 / 3.0);
      CHECK(rows[2].is_null(4));
      CHECK(rows[3].str(3) == "four");
      CHECK(rows[3].str(5) == "four");

      // Shapes the repositories use: LIMIT and concatenation with parameters, a parameter
      // twice, COALESCE over NULL, aggregates, comparisons as integers.
      CHECK(c.query("SELECT k FROM t WHERE k > $1 ORDER BY k LIMIT $2", {std::int64_t{1}, std::int64_t{2}}).size() == 2);
      CHECK(c.query("SELECT k FROM t WHERE s LIKE '%' || $1 || '%'", {std::string("ou")}).size() == 1);
      CHECK(c.query("SELECT k FROM t WHERE s = $1 OR n = $1", {std::string("four")}).size() == 1);
      auto agg = c.query("SELECT COUNT(*), COALESCE(MAX(k), 0), COALESCE($1, 'dflt'), 1 = 1, 1.5 FROM t WHERE k < $2",
                         {nullptr, std::int64_t{100}});
      REQUIRE(agg.size() == 1);
      CHECK(std::get<std::int64_t>(agg[0].cols[0]) == 4);
      CHECK(std::get<std::int64_t>(agg[0].cols[1]) == 4);
      CHECK(agg[0].str(2) == "dflt");
      CHECK(agg[0].i64(3) == 1);
      CHECK(agg[0].f64(4) == 1.5);
      CHECK(c.query("SELECT COALESCE(MAX(k), 0) FROM t WHERE k > $1", {std::int64_t{99}})[0].i64(0) == 0);
    });

    // A failed statement fails the whole write: nothing of it is kept, and the kind says why.
    try {
      database->write([&](db::Connection& c) {
        c.exec("INSERT INTO t(k) VALUES ($1)", {std::int64_t{10}});
        c.exec("INSERT INTO t(k) VALUES ($1)", {std::int64_t{1}});
      });
      FAIL("a duplicate primary key must fail");
    } catch (const db::DbError& e) {
      CHECK(e.kind == db::DbError::Kind::constraint);
    }
    CHECK_THROWS_AS(database->write([&](db::Connection& c) {
      c.exec("INSERT INTO t(k) VALUES ($1)", {std::int64_t{11}});
      throw std::runtime_error("handler failed");
    }),
                    std::runtime_error);
    try {
      database->read([&](db::Connection& c) { c.query("SELECT no_such_column FROM t"); });
      FAIL("a bad query must fail");
    } catch (const db::DbError& e) {
      CHECK(e.kind == db::DbError::Kind::other);
      CHECK(std::string(e.what()).find("no_such_column") != std::string::npos);
    }
    database->read([&](db::Connection& c) {
      CHECK(c.query("SELECT k FROM t WHERE k IN ($1, $2)", {std::int64_t{10}, std::int64_t{11}}).empty());
    });

    // read() is one snapshot: a write committed meanwhile is not seen by its later queries.
    database->read([&](db::Connection& c) {
      const auto before = c.query("SELECT COUNT(*) FROM t")[0].i64(0);
      std::thread([&] { database->write([](db::Connection& w) { w.exec("INSERT INTO t(k) VALUES (20)"); }); }).join();
      CHECK(c.query("SELECT COUNT(*) FROM t")[0].i64(0) == before);
    });
    database->read([&](db::Connection& c) { CHECK(c.query("SELECT COUNT(*) FROM t")[0].i64(0) == 5); });
  }
}

TEST_CASE("postgres: blobs round-trip byte-exact through bytea", "[postgres]") {
  REQUIRE_POSTGRES_OR_SKIP();
  ScratchPgDatabase scratch(pg_admin);
  auto database = db::Database::open(scratch.url());
  std::mt19937_64 rng(42);
  std::vector<std::string> blobs = {std::string(), std::string(1, '\0'), all_bytes(), std::string("\\x00\\\\'\"", 8)};
  std::string big(3 << 20, '\0');
  for (auto& ch : big) ch = static_cast<char>(rng());
  blobs.push_back(big);
  database->write([&](db::Connection& c) {
    for (std::size_t i = 0; i < blobs.size(); ++i)
      c.exec("INSERT INTO blobs(sha256, size, data) VALUES ($1, $2, $3)",
             {std::to_string(i), static_cast<std::int64_t>(blobs[i].size()), db::Blob{blobs[i]}});
  });
  database->read([&](db::Connection& c) {
    for (std::size_t i = 0; i < blobs.size(); ++i) {
      auto rows = c.query("SELECT data, size, length(data) FROM blobs WHERE sha256 = $1", {std::to_string(i)});
      REQUIRE(rows.size() == 1);
      REQUIRE(std::holds_alternative<db::Blob>(rows[0].cols[0]));
      CHECK(std::get<db::Blob>(rows[0].cols[0]).bytes == blobs[i]);
      CHECK(rows[0].str(0) == blobs[i]);
      CHECK(rows[0].i64(1) == static_cast<std::int64_t>(blobs[i].size()));
      CHECK(rows[0].i64(2) == static_cast<std::int64_t>(blobs[i].size()));  // the server saw the bytes, not an escape
    }
  });
  // Text cannot carry NUL on PostgreSQL: refused with a clear error, never truncated.
  try {
    database->write([&](db::Connection& c) { c.exec("INSERT INTO orgs(id, name, created_ms) VALUES ($1, $2, 0)", {std::string("o"), std::string("a\0b", 3)}); });
    FAIL("a NUL in text must be refused");
  } catch (const db::DbError& e) {
    CHECK(std::string(e.what()).find("NUL") != std::string::npos);
  }
}

TEST_CASE("postgres: migrations run once when servers start at the same time", "[postgres]") {
  REQUIRE_POSTGRES_OR_SKIP();
  for (int round = 0; round < 3; ++round) {
    ScratchPgDatabase scratch(pg_admin);
    constexpr int kServers = 4;
    std::latch start(kServers);
    std::vector<std::string> errors(kServers);
    std::vector<std::unique_ptr<trailpack::server::App>> apps(kServers);
    std::vector<std::thread> threads;
    for (int i = 0; i < kServers; ++i)
      threads.emplace_back([&, i] {
        trailpack::server::Config cfg;
        cfg.database = scratch.url();
        cfg.public_url = "https://trailpack.test";
        start.arrive_and_wait();
        try {
          apps[i] = std::make_unique<trailpack::server::App>(cfg);
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    for (auto& t : threads) t.join();
    for (const auto& e : errors) CHECK(e.empty());
    REQUIRE(apps[0]);
    apps[0]->db().read([&](db::Connection& c) {
      auto rows = c.query("SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM schema_migrations");
      CHECK(rows[0].i64(0) == db::schema_version());
      CHECK(rows[0].i64(1) == db::schema_version());
      CHECK(rows[0].i64(2) == db::schema_version());
      CHECK(c.query("SELECT COUNT(*) FROM statements")[0].i64(0) == 0);
    });
  }
}

TEST_CASE("postgres: deadlocks are retried, lost connections replaced, the pool bounded", "[postgres]") {
  REQUIRE_POSTGRES_OR_SKIP();
  ScratchPgDatabase scratch(pg_admin);
  auto database = db::Database::open(scratch.url());
  database->write([](db::Connection& c) {
    c.exec_script("CREATE TABLE counters (k INTEGER PRIMARY KEY, v INTEGER NOT NULL); INSERT INTO counters VALUES (1, 0), (2, 0)");
  });

  SECTION("two writers locking rows in opposite order deadlock; the loser runs again") {
    std::atomic<int> attempts{0};
    std::latch both_hold_one(2);
    auto writer = [&](int first, int second) {
      bool first_attempt = true;
      database->write([&](db::Connection& c) {
        ++attempts;
        c.exec("UPDATE counters SET v = v + 1 WHERE k = $1", {std::int64_t{first}});
        if (first_attempt) {
          first_attempt = false;
          both_hold_one.arrive_and_wait();
        }
        c.exec("UPDATE counters SET v = v + 1 WHERE k = $1", {std::int64_t{second}});
      });
    };
    std::thread a(writer, 1, 2), b(writer, 2, 1);
    a.join();
    b.join();
    CHECK(attempts == 3);
    database->read([](db::Connection& c) {
      auto rows = c.query("SELECT v FROM counters ORDER BY k");
      CHECK(rows[0].i64(0) == 2);
      CHECK(rows[1].i64(0) == 2);
    });
  }

  SECTION("a connection the server closed is discarded and replaced") {
    // Fill the pool with a few idle connections, then have the server end every session.
    std::latch together(4);
    std::vector<std::thread> readers;
    for (int i = 0; i < 4; ++i)
      readers.emplace_back([&] { database->read([&](db::Connection& c) { together.arrive_and_wait(); c.query("SELECT 1"); }); });
    for (auto& t : readers) t.join();
    auto killer = db::Database::open(scratch.url());
    killer->write([](db::Connection& c) {
      c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    });
    for (int i = 0; i < 6; ++i) CHECK(database->health() == "ok");
    // A write whose connection dies before COMMIT runs again on a new connection.
    int runs = 0;
    database->write([&](db::Connection& c) {
      if (++runs == 1) c.query("SELECT pg_terminate_backend(pg_backend_pid())");
      c.exec("UPDATE counters SET v = 7 WHERE k = 1");
    });
    CHECK(runs == 2);
    database->read([](db::Connection& c) { CHECK(c.query("SELECT v FROM counters WHERE k = 1")[0].i64(0) == 7); });
  }

  SECTION("at most 8 connections, however many threads ask") {
    std::atomic<std::int64_t> most{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i)
      threads.emplace_back([&] {
        database->read([&](db::Connection& c) {
          const auto n = c.query("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()")[0].i64(0);
          std::int64_t seen = most.load();
          while (n > seen && !most.compare_exchange_weak(seen, n)) {
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(30));
        });
      });
    for (auto& t : threads) t.join();
    CHECK(most.load() >= 2);
    CHECK(most.load() <= 8);
  }
}

TEST_CASE("postgres: two server processes store overlapping statements exactly once", "[postgres]") {
  REQUIRE_POSTGRES_OR_SKIP();
  ScratchPgDatabase scratch(pg_admin);
  const std::string public_url = "https://trailpack.test";
  Node a(scratch.url(), public_url), b(scratch.url(), public_url);
  const Learner l = enroll(a, public_url);

  // 8 threads, 4 per process, each sending the same 120 statements in its own order and
  // batch size: 4 threads as the learner's device (sync push), 4 as an xAPI client (LRS)
  // sending statements about a non-user, which no advisory lock serializes.
  constexpr int kThreads = 8, kIds = 120;
  std::mutex mutex;
  std::map<std::string, int> stored;  // device pushes: how often each id came back "stored"
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Node& node = t % 2 ? b : a;
      const bool device = t < 4;
      std::vector<int> order(kIds);
      for (int i = 0; i < kIds; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(static_cast<unsigned>(t)));
      const std::size_t batch = 3 + static_cast<std::size_t>(t);
      for (std::size_t start = 0; start < order.size(); start += batch) {
        json statements = json::array();
        for (std::size_t i = start; i < std::min(order.size(), start + batch); ++i)
          statements.push_back(device ? statement_for(l, uuid_for(order[i], 1)) : foreign_statement(uuid_for(order[i], 2)));
        auto res = device ? node.post("/api/v1/sync/push", {{"device_id", l.device.device_id}, {"statements", statements}}, l.bearer)
                          : node.post("/xapi/statements", statements, l.basic);
        std::lock_guard<std::mutex> lock(mutex);
        if (res.status != 200) {
          failures.push_back(std::to_string(res.status) + " " + res.body);
          continue;
        }
        if (!device) continue;
        const json answer = json::parse(res.body);
        for (const auto& r : answer["results"]) {
          if (r["status"] == "stored") ++stored[r["id"].get<std::string>()];
          else if (r["status"] != "duplicate") failures.push_back(r.dump());
        }
      }
    });
  for (auto& t : threads) t.join();

  CHECK(failures.empty());
  for (const auto& f : failures) UNSCOPED_INFO(f);
  CHECK(stored.size() == static_cast<std::size_t>(kIds));
  for (const auto& [id, n] : stored) {
    INFO(id);
    CHECK(n == 1);
  }
  CHECK(ingested(*a.app) + ingested(*b.app) == 2 * kIds);  // each process counts what it stored
  a.app->db().read([&](db::Connection& c) {
    CHECK(c.query("SELECT COUNT(*) FROM statements WHERE user_id = $1", {l.device.user_id})[0].i64(0) == kIds);
    CHECK(c.query("SELECT COUNT(*) FROM statements WHERE user_id IS NULL")[0].i64(0) == kIds);
    CHECK(c.query("SELECT COUNT(*), COUNT(DISTINCT id) FROM statements")[0].i64(1) == 2 * kIds);
  });
}

TEST_CASE("postgres: a pull cursor never skips a statement the other process commits", "[postgres]") {
  REQUIRE_POSTGRES_OR_SKIP();
  ScratchPgDatabase scratch(pg_admin);
  const std::string public_url = "https://trailpack.test";
  Node a(scratch.url(), public_url), b(scratch.url(), public_url);
  const Learner l = enroll(a, public_url);

  // Writers on both processes, by device push and by xAPI client, all for one learner;
  // meanwhile pullers on both processes follow the cursor as a device would. A statement
  // that commits after a later-seq one has been pulled would be skipped for good.
  // Batches of several statements keep each transaction open between drawing its first
  // seq and committing; that is the window a skip needs.
  constexpr int kWriters = 6, kPerWriter = 96, kBatch = 6;
  std::atomic<int> writers_left{kWriters};
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back([&, w] {
      Node& node = w % 2 ? b : a;
      for (int i = 0; i < kPerWriter; i += kBatch) {
        json statements = json::array();
        for (int k = i; k < i + kBatch; ++k) statements.push_back(statement_for(l, uuid_for(k, 10 + w)));
        auto res = w < 3 ? node.post("/api/v1/sync/push", {{"device_id", l.device.device_id}, {"statements", statements}}, l.bearer)
                         : node.post("/xapi/statements", statements, l.basic);
        if (res.status != 200) {
          std::lock_guard<std::mutex> lock(mutex);
          failures.push_back(std::to_string(res.status) + " " + res.body);
        }
      }
      --writers_left;
    });

  constexpr int kPullers = 3;
  std::vector<std::vector<std::string>> pulled(kPullers);
  for (int p = 0; p < kPullers; ++p)
    threads.emplace_back([&, p] {
      std::int64_t cursor = 0;
      int turn = p;
      auto pull_once = [&] {
        Node& node = turn++ % 2 ? b : a;
        auto res = node.post("/api/v1/sync/pull", {{"cursor", cursor}, {"limit", 40}}, l.bearer);
        if (res.status != 200) {
          std::lock_guard<std::mutex> lock(mutex);
          failures.push_back(std::to_string(res.status) + " " + res.body);
          return false;
        }
        const json j = json::parse(res.body);
        for (const auto& s : j["statements"]) pulled[p].push_back(s["id"]);
        cursor = j["cursor"];
        return j["more"].get<bool>();
      };
      while (writers_left > 0) pull_once();
      while (pull_once()) {
      }
    });
  for (auto& t : threads) t.join();

  CHECK(failures.empty());
  for (const auto& f : failures) UNSCOPED_INFO(f);
  std::set<std::string> all;
  a.app->db().read([&](db::Connection& c) {
    for (const auto& r : c.query("SELECT id FROM statements WHERE user_id = $1", {l.device.user_id})) all.insert(r.str(0));
  });
  CHECK(all.size() == static_cast<std::size_t>(kWriters * kPerWriter));
  for (int p = 0; p < kPullers; ++p) {
    INFO("puller " << p);
    const std::set<std::string> seen(pulled[p].begin(), pulled[p].end());
    CHECK(seen.size() == pulled[p].size());  // nothing twice: the cursor only moves forward
    std::vector<std::string> missing;
    std::set_difference(all.begin(), all.end(), seen.begin(), seen.end(), std::back_inserter(missing));
    CHECK(missing.empty());  // nothing skipped
  }
}

// Every query the repositories issue, through the routes, on the fixture's backend (SQLite,
// or PostgreSQL under scripts/with-postgres): the SQL must run and answer alike on both.
TEST_CASE("storage: every repository query runs on the configured backend", "[storage]") {
  using trailpack::test::TestServer;
  TestServer srv;
  auto& app = srv.app();
  const auto admin = TestServer::bearer(srv.admin_token());
  const auto d = srv.enroll_learner("ada@example.com", "Ada");
  const auto dev = TestServer::bearer(d.access_token);
  auto [key, secret] = app.create_xapi_client("lrs", {"all"});
  auto lrs = std::map<std::string, std::string>{{"authorization", "Basic " + trailpack::base64_encode(key + ":" + secret)},
                                                {"x-experience-api-version", "1.0.3"}};
  auto xget = [&](const std::string& query) { return srv.get("/xapi/statements?" + query, lrs); };
  auto enc = [](const std::string& v) {
    std::string out;
    for (unsigned char ch : v) {
      if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') out.push_back(static_cast<char>(ch));
      else {
        char b[4];
        std::snprintf(b, sizeof b, "%%%02X", ch);
        out += b;
      }
    }
    return out;
  };

  // Bundles: trusted key, dry run, publish, listing, versions, files (and ranges).
  const auto kp = trailpack::server::crypto::ed25519_keypair();
  app.add_trusted_key(kp.public_key, "test publisher");
  const std::string v1 = pack_example(kp);
  const std::map<std::string, std::string> tar_type = {{"content-type", "application/x-tar"}};
  auto with = [](std::map<std::string, std::string> a, const std::map<std::string, std::string>& b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  CHECK(srv.post("/api/v1/bundles?dry_run=1", v1, with(admin, tar_type)).status == 200);
  auto published = srv.post("/api/v1/bundles", v1, with(admin, tar_type));
  REQUIRE(published.status == 201);
  CHECK(srv.post("/api/v1/bundles", v1, with(admin, tar_type)).status == 409);  // not newer
  auto courses = srv.get("/api/v1/courses", dev);
  REQUIRE(courses.status == 200);
  const json course = json::parse(courses.body)["courses"][0];
  CHECK(course["id"] == "safety-basics");
  CHECK(srv.get("/api/v1/courses/safety-basics/versions", admin).status == 200);
  const json manifest = json::parse(course["manifest"].get<std::string>());
  for (const auto& f : manifest["files"]) {
    auto file = srv.get("/api/v1/files/" + f["sha256"].get<std::string>(), dev);
    REQUIRE(file.status == 200);
    CHECK(trailpack::crypto::sha256_hex(file.body) == f["sha256"]);
    auto part = srv.get("/api/v1/files/" + f["sha256"].get<std::string>(), with(dev, {{"range", "bytes=1-3"}}));
    CHECK(part.status == 206);
    CHECK(part.body == file.body.substr(1, 3));
  }

  // Device sync: push (with a quiz answer the server re-scores), pull in pages.
  const std::string course_iri = "urn:trailpack:course:safety-basics";
  json pushed = json::array();
  for (int i = 0; i < 5; ++i)
    pushed.push_back(trailpack::test::statement(d, uuid_for(i, 100), "http://adlnet.gov/expapi/verbs/experienced",
                                                course_iri + ":item:welcome"));
  json answer = trailpack::test::statement(d, uuid_for(9, 100), "http://adlnet.gov/expapi/verbs/answered",
                                           course_iri + ":question:first-step");
  answer["result"] = {{"response", "ppe"}, {"success", true}, {"score", {{"scaled", 1.0}}}};
  pushed.push_back(answer);
  auto push = srv.post("/api/v1/sync/push", json{{"device_id", d.device_id}, {"statements", pushed}}.dump(), dev);
  REQUIRE(push.status == 200);
  CHECK(json::parse(push.body)["stored"] == 6);
  CHECK(json::parse(srv.post("/api/v1/sync/push", json{{"device_id", d.device_id}, {"statements", pushed}}.dump(), dev).body)["duplicates"] == 6);
  std::int64_t cursor = 0;
  std::size_t pulled = 0;
  for (bool more = true; more;) {
    auto pull = srv.post("/api/v1/sync/pull", json{{"cursor", cursor}, {"limit", 4}}.dump(), dev);
    REQUIRE(pull.status == 200);
    const json j = json::parse(pull.body);
    pulled += j["statements"].size();
    cursor = j["cursor"];
    more = j["more"];
    CHECK(j["courses"].size() == 1);
  }
  CHECK(pulled == 6);

  // The LRS: store (POST, PUT, duplicate, conflict), fetch, void, query with every filter.
  json s1 = trailpack::test::statement(d, uuid_for(1, 200), "http://adlnet.gov/expapi/verbs/completed", "https://ex.example/aXb");
  s1["context"] = {{"registration", uuid_for(7, 7)},
                   {"contextActivities", {{"parent", json::array({{{"id", "https://ex.example/Parent"}}})}}}};
  s1["result"] = {{"completion", true}, {"success", false}, {"score", {{"scaled", 0.25}}}, {"duration", "PT1M30S"}};
  CHECK(srv.post("/xapi/statements", json::array({s1}).dump(), lrs).status == 200);
  CHECK(srv.post("/xapi/statements", s1.dump(), lrs).status == 200);  // the same again: fine
  json s1b = s1;
  s1b["verb"]["id"] = "http://adlnet.gov/expapi/verbs/failed";
  CHECK(srv.post("/xapi/statements", s1b.dump(), lrs).status == 409);
  json s2 = trailpack::test::statement(d, uuid_for(2, 200), "http://adlnet.gov/expapi/verbs/completed", "https://ex.example/other");
  CHECK(srv.request("PUT", "/xapi/statements?statementId=" + uuid_for(2, 200), s2.dump(), with(lrs, {{"content-type", "application/json"}})).status == 204);
  CHECK(xget("statementId=" + uuid_for(1, 200)).status == 200);

  auto count = [&](const std::string& query) -> long {
    auto r = xget(query);
    if (r.status != 200) return -r.status;
    return static_cast<long>(json::parse(r.body)["statements"].size());
  };
  CHECK(count("agent=" + enc(d.agent.dump())) == 8);
  CHECK(count("verb=" + enc("http://adlnet.gov/expapi/verbs/completed")) == 2);
  CHECK(count("activity=" + enc("https://ex.example/aXb")) == 1);
  CHECK(count("activity=" + enc("https://ex.example/Parent") + "&related_activities=true") == 1);
  // related_activities matches the IRI literally and case-sensitively on both backends.
  CHECK(count("activity=" + enc("https://ex.example/a_b") + "&related_activities=true") == 0);
  CHECK(count("activity=" + enc("https://ex.example/parent") + "&related_activities=true") == 0);
  CHECK(count("registration=" + uuid_for(7, 7)) == 1);
  CHECK(count("since=" + enc("2000-01-01T00:00:00Z") + "&until=" + enc("2999-01-01T00:00:00Z")) == 8);
  CHECK(count("since=" + enc("2999-01-01T00:00:00Z")) == 0);
  // Paging: limit 3, ascending, follow `more` to the end.
  std::size_t seen = 0;
  std::string next = "/xapi/statements?limit=3&ascending=true";
  while (!next.empty()) {
    auto r = srv.get(next, lrs);
    REQUIRE(r.status == 200);
    const json j = json::parse(r.body);
    seen += j["statements"].size();
    next = j["more"];
  }
  CHECK(seen == 8);
  CHECK(xget("verb=%FF").status == 400);  // not UTF-8: refused before any query

  json voiding = {{"id", uuid_for(3, 200)},
                  {"actor", d.agent},
                  {"verb", {{"id", "http://adlnet.gov/expapi/verbs/voided"}}},
                  {"object", {{"objectType", "StatementRef"}, {"id", uuid_for(1, 200)}}}};
  CHECK(srv.post("/xapi/statements", voiding.dump(), lrs).status == 200);
  CHECK(xget("statementId=" + uuid_for(1, 200)).status == 404);
  CHECK(xget("voidedStatementId=" + uuid_for(1, 200)).status == 200);
  // Only the voiding statement now, matched through the statement it targets (xAPI
  // part three 2.1.3, StatementRef filter rule).
  CHECK(count("activity=" + enc("https://ex.example/aXb")) == 1);
  CHECK(json::parse(xget("activity=" + enc("https://ex.example/aXb")).body)["statements"][0]["id"] == uuid_for(3, 200));

  // Console: learners with progress, a learner's timeline, enrollment codes.
  auto learners = srv.get("/api/v1/admin/learners", admin);
  REQUIRE(learners.status == 200);
  // Her activity: 6 pushed and s2 (s1 is voided; the voiding statement is no activity).
  CHECK(json::parse(learners.body)["learners"][0]["statements"] == 7);
  auto timeline = srv.get("/api/v1/admin/learners/" + d.user_id + "/statements", admin);
  REQUIRE(timeline.status == 200);
  bool flagged = false;
  const json timeline_json = json::parse(timeline.body);
  for (const auto& st : timeline_json["statements"]) flagged = flagged || st.contains("urn:trailpack:rescore_flag");
  CHECK(flagged);  // the device scored "ppe" as right; the published course says otherwise
  CHECK(srv.post("/api/v1/admin/users/" + d.user_id + "/enrollment-codes", "{}", admin).status == 201);
  CHECK(srv.post("/api/v1/admin/users/u-nobody/enrollment-codes", "{}", admin).status == 404);

  // A new version touching an item Ada has statements on: the impact query counts her.
  const std::string v2 = pack_example(kp, [](auto& sources) {
    for (auto& f : sources) {
      if (f.path == "course.json") f.data.replace(f.data.find("\"version\": 1"), 12, "\"version\": 2");
      if (f.path == "cards/welcome.md") f.data += "\nOne more paragraph.\n";
    }
  });
  auto impact = srv.post("/api/v1/bundles?dry_run=1", v2, with(admin, tar_type));
  REQUIRE(impact.status == 200);
  CHECK(json::parse(impact.body)["learners_affected"] == 1);
  CHECK(srv.post("/api/v1/bundles", v2, with(admin, tar_type)).status == 201);

  // CSV import: dry run, real, again (unchanged); a bad row and a non-UTF-8 row reported.
  const std::string csv =
      "email,name,role,team,groups\n"
      "mia@example.com,Mia,manager,,\n"
      "leo@example.com,Leo,learner,red,Group A;Group B\n"
      "not-an-email,Nobody,learner,,\n"
      "bad@example.com,B\xff" "d,learner,,\n";
  const auto csv_type = with(admin, {{"content-type", "text/csv"}});
  auto dry = srv.post("/api/v1/admin/users/import?dry_run=1", csv, csv_type);
  REQUIRE(dry.status == 200);
  CHECK(json::parse(dry.body)["created"] == 2);
  CHECK(json::parse(dry.body)["errors"].size() == 2);
  CHECK(json::parse(srv.post("/api/v1/admin/users/import", csv, csv_type).body)["created"] == 2);
  CHECK(json::parse(srv.post("/api/v1/admin/users/import", csv, csv_type).body)["unchanged"] == 2);

  // A manager sees the learners of the groups they manage (and their subgroups).
  std::string org;
  app.db().read([&](db::Connection& c) { org = c.query("SELECT org_id FROM users WHERE email = $1", {std::string("leo@example.com")})[0].str(0); });
  const std::string boss = app.create_user(org, "boss@example.com", "Boss", "manager", "boss-pass-1");
  app.db().write([&](db::Connection& c) {
    const std::string group = c.query("SELECT id FROM user_groups WHERE name = $1", {std::string("Group A")})[0].str(0);
    c.exec("INSERT INTO manager_scopes(user_id, group_id) VALUES ($1, $2)", {boss, group});
  });
  auto login = srv.post("/api/v1/auth/login", json{{"email", "boss@example.com"}, {"password", "boss-pass-1"}}.dump());
  REQUIRE(login.status == 200);
  auto scoped = srv.get("/api/v1/admin/learners", TestServer::bearer(json::parse(login.body)["token"]));
  REQUIRE(scoped.status == 200);
  REQUIRE(json::parse(scoped.body)["learners"].size() == 1);
  CHECK(json::parse(scoped.body)["learners"][0]["email"] == "leo@example.com");

  // Devices: a long multi-byte name is cut between characters; a code's uses run out;
  // refresh rotates, reuse revokes the family; logout; /me.
  const std::string leo = *app.user_id_for_email("leo@example.com");
  const std::string code = app.create_enrollment_code(leo, 3600, 1);
  std::string long_name;
  for (int i = 0; i < 60; ++i) long_name += "\xc3\xa9";
  auto enrolled = srv.post("/api/v1/auth/enroll", json{{"code", code}, {"device_name", long_name}}.dump());
  REQUIRE(enrolled.status == 200);
  CHECK(srv.post("/api/v1/auth/enroll", json{{"code", code}}.dump()).status == 401);
  const json tokens = json::parse(enrolled.body);
  app.db().read([&](db::Connection& c) {
    CHECK(c.query("SELECT name FROM devices WHERE id = $1", {tokens["device_id"].get<std::string>()})[0].str(0) == long_name.substr(0, 100));
  });
  CHECK(srv.get("/api/v1/me", TestServer::bearer(tokens["access_token"])).status == 200);
  auto refreshed = srv.post("/api/v1/auth/refresh", json{{"refresh_token", tokens["refresh_token"]}}.dump());
  REQUIRE(refreshed.status == 200);
  CHECK(srv.post("/api/v1/auth/refresh", json{{"refresh_token", tokens["refresh_token"]}}.dump()).status == 401);
  CHECK(srv.get("/api/v1/me", TestServer::bearer(json::parse(refreshed.body)["access_token"])).status == 401);
  CHECK(srv.post("/api/v1/auth/logout", "{}", TestServer::bearer(json::parse(login.body)["token"])).status == 204);
  CHECK(srv.get("/api/v1/admin/learners", TestServer::bearer(json::parse(login.body)["token"])).status == 401);
  CHECK(srv.get("/readyz").status == 200);
}
