#include "trailpack/json_reader.hpp"

#include <cmath>

namespace trailpack {

using nlohmann::json;

namespace {

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

}  // namespace

JsonReader::JsonReader(const json& value, std::string path) : v_(value), path_(std::move(path)) {
  if (!v_.is_object()) fail_at(path_.empty() ? "$" : path_, std::string("expected an object, found ") + type_name(v_));
}

std::string JsonReader::child_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

std::string JsonReader::index_path(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

void JsonReader::fail(const std::string& key, const std::string& message) const {
  throw detail::JsonPathError(key.empty() ? (path_.empty() ? "$" : path_) : child_path(key), message);
}

void JsonReader::fail_at(const std::string& path, const std::string& message) {
  throw detail::JsonPathError(path, message);
}

bool JsonReader::has(const std::string& key) const {
  auto it = v_.find(key);
  return it != v_.end() && !it->is_null();
}

const json& JsonReader::at(const std::string& key) const {
  auto it = v_.find(key);
  if (it == v_.end() || it->is_null()) fail(key, "is required");
  return *it;
}

std::string JsonReader::str(const std::string& key) const {
  const json& v = at(key);
  if (!v.is_string()) fail(key, std::string("expected a string, found ") + type_name(v));
  std::string s = v.get<std::string>();
  if (s.empty()) fail(key, "must not be empty");
  return s;
}

std::string JsonReader::str_or(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  if (!v.is_string()) fail(key, std::string("expected a string, found ") + type_name(v));
  return v.get<std::string>();
}

std::string JsonReader::one_of(const std::string& key, std::initializer_list<const char*> allowed,
                               const char* fallback) const {
  std::string s = fallback && !has(key) ? std::string(fallback) : str(key);
  for (const char* a : allowed)
    if (s == a) return s;
  std::string list;
  for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + "\"" + a + "\"";
  fail(key, "\"" + s + "\" is not one of " + list);
}

double JsonReader::number(const std::string& key) const {
  const json& v = at(key);
  if (!v.is_number()) fail(key, std::string("expected a number, found ") + type_name(v));
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail(key, "must be finite");
  return d;
}

double JsonReader::number_or(const std::string& key, double fallback) const {
  return has(key) ? number(key) : fallback;
}

std::int64_t JsonReader::integer_or(const std::string& key, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  if (!v.is_number_integer() && !v.is_number_unsigned())
    fail(key, std::string("expected a whole number, found ") + type_name(v));
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    fail(key, "must be at most " + std::to_string(max));
  const std::int64_t n = v.get<std::int64_t>();
  if (n < min) fail(key, "must be at least " + std::to_string(min));
  if (n > max) fail(key, "must be at most " + std::to_string(max));
  return n;
}

bool JsonReader::boolean_or(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const json& v = at(key);
  if (!v.is_boolean()) fail(key, std::string("expected true or false, found ") + type_name(v));
  return v.get<bool>();
}

std::vector<std::string> JsonReader::strings_or_empty(const std::string& key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  const json& v = at(key);
  if (!v.is_array()) fail(key, std::string("expected an array of strings, found ") + type_name(v));
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string() || v[i].get_ref<const std::string&>().empty())
      fail_at(index_path(child_path(key), i), "expected a non-empty string");
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

std::vector<JsonReader> JsonReader::objects(const std::string& key, bool allow_empty) const {
  const json& v = at(key);
  if (!v.is_array()) fail(key, std::string("expected an array, found ") + type_name(v));
  if (v.empty() && !allow_empty) fail(key, "must not be empty");
  std::vector<JsonReader> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out.emplace_back(v[i], index_path(child_path(key), i));
  return out;
}

std::vector<JsonReader> JsonReader::objects_or_empty(const std::string& key) const {
  if (!has(key)) return {};
  return objects(key, true);
}

void JsonReader::only(std::initializer_list<const char*> allowed) const {
  for (auto it = v_.begin(); it != v_.end(); ++it) {
    bool known = false;
    for (const char* a : allowed)
      if (it.key() == a) known = true;
    if (!known) fail(it.key(), "unknown field");
  }
}

namespace {

// Accepts every event and records the first error: where it is (bytes read) and whether
// it is a number out of range (nlohmann reports that as out_of_range, not parse_error,
// and a plain catch of parse_error let it escape).
struct ErrorLocator : nlohmann::json_sax<json> {
  std::size_t byte = 0;
  bool number_overflow = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    byte = position;
    number_overflow = ex.id == 406;
    return false;
  }
};

// Offset of the first '[' or '{' (outside strings) that opens level kMaxJsonDepth + 1, or
// npos. A linear scan before parsing: the parser itself has no depth limit.
std::size_t too_deep_at(const std::string& text) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string::npos;
}

}  // namespace

Result<json> parse_json_text(const std::string& text, const std::string& where) {
  std::size_t byte = 0;
  std::string what;
  if (const auto deep = too_deep_at(text); deep != std::string::npos) {
    byte = deep + 1;
    what = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  } else {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) return j;
    // Locate the error: run the parser again, reporting to a handler that never throws.
    ErrorLocator locator;
    json::sax_parse(text, &locator, nlohmann::json::input_format_t::json, /*strict=*/true);
    byte = locator.byte;
    what = locator.number_overflow ? "a number too large" : "syntax error";
  }
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  const std::string loc = (where.empty() ? std::string() : where + ":") + std::to_string(line) + ":" + std::to_string(col);
  return make_error("invalid_json", "not valid JSON (" + what + " near line " + std::to_string(line) + ", column " +
                                        std::to_string(col) + ")",
                    loc);
}

}  // namespace trailpack
