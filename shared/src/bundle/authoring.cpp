#include "trailpack/bundle/authoring.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "trailpack/bundle/manifest.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"

namespace trailpack::bundle {

using nlohmann::json;

namespace {

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return {};
  const auto b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(std::move(line));
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80; }

// "![alt](src "captions")" on its own line.
bool parse_media_line(const std::string& line, Block& b, std::string& error) {
  if (!starts_with(line, "![")) return false;
  const auto close = line.find("](");
  if (close == std::string::npos || line.back() != ')') {
    error = "a media line looks like ![alt text](media/file.png)";
    return true;
  }
  std::string alt = line.substr(2, close - 2);
  std::string inner = line.substr(close + 2, line.size() - close - 3);
  std::string captions;
  if (auto q = inner.find(" \""); q != std::string::npos && inner.back() == '"') {
    captions = inner.substr(q + 2, inner.size() - q - 3);
    inner = inner.substr(0, q);
  }
  b = Block{};
  if (starts_with(alt, "video:")) {
    b.type = "video";
    alt = trim(alt.substr(6));
  } else if (starts_with(alt, "audio:")) {
    b.type = "audio";
    alt = trim(alt.substr(6));
  } else {
    b.type = "image";
  }
  b.src = trim(inner);
  b.alt = alt;
  b.captions = captions;
  if (b.src.empty()) error = "the media path is empty";
  else if (b.type == "image" && b.alt.empty()) error = "images need alternative text: ![what the image shows](" + b.src + ")";
  else if (b.type != "image" && b.captions.empty())
    error = b.type + " needs captions or a transcript file: ![" + b.type + ": Title](" + b.src + " \"media/captions.vtt\")";
  return true;
}

}  // namespace

std::vector<Span> parse_inline(const std::string& text) {
  std::vector<Span> out;
  std::string plain;
  auto flush = [&] {
    if (!plain.empty()) out.push_back({plain, "", ""});
    plain.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "**") == 0) {
      const auto end = text.find("**", i + 2);
      if (end != std::string::npos && end > i + 2) {
        flush();
        out.push_back({text.substr(i + 2, end - i - 2), "strong", ""});
        i = end + 2;
        continue;
      }
    }
    if ((text[i] == '*' || text[i] == '_') && i + 1 < text.size() && text[i + 1] != ' ' &&
        !(text[i] == '_' && i > 0 && word_char(text[i - 1]))) {
      auto end = text.find(text[i], i + 1);
      // Underscores inside words (max_attempts_total) are not emphasis, as in CommonMark.
      while (text[i] == '_' && end != std::string::npos && end + 1 < text.size() && word_char(text[end + 1]))
        end = text.find('_', end + 1);
      if (end != std::string::npos && end > i + 1) {
        flush();
        out.push_back({text.substr(i + 1, end - i - 1), "em", ""});
        i = end + 1;
        continue;
      }
    }
    if (text[i] == '`') {
      const auto end = text.find('`', i + 1);
      if (end != std::string::npos) {
        flush();
        out.push_back({text.substr(i + 1, end - i - 1), "code", ""});
        i = end + 1;
        continue;
      }
    }
    if (text[i] == '[') {
      const auto mid = text.find("](", i);
      // The link text is up to the first ']': "[a] and [b](https://c)" links only "b".
      const auto end = mid == std::string::npos || text.find(']', i) != mid ? std::string::npos : text.find(')', mid);
      if (end != std::string::npos) {
        const std::string href = text.substr(mid + 2, end - mid - 2);
        if (starts_with(href, "https://") || starts_with(href, "mailto:")) {
          flush();
          out.push_back({text.substr(i + 1, mid - i - 1), "link", href});
          i = end + 1;
          continue;
        }
      }
    }
    plain.push_back(text[i++]);
  }
  flush();
  if (out.empty()) out.push_back({"", "", ""});
  return out;
}

Result<std::vector<Block>> parse_card_markdown(const std::string& text, const std::string& file) {
  // Blocks end up in course.json, and JSON carries only UTF-8: refuse other bytes here,
  // with their line, rather than fail later while writing the course.
  if (const auto bad = utf8_invalid_at(text); bad != std::string::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    return make_error("invalid_card", "the file is not UTF-8 text (save it as UTF-8)", file + ":" + std::to_string(line));
  }
  std::vector<Block> blocks;
  const auto lines = lines_of(text);
  std::string para;
  Block list;
  auto flush_para = [&] {
    if (!para.empty()) {
      Block b;
      b.type = "paragraph";
      b.spans = parse_inline(para);
      blocks.push_back(std::move(b));
      para.clear();
    }
  };
  auto flush_list = [&] {
    if (!list.items.empty()) {
      blocks.push_back(std::move(list));
      list = Block{};
    }
  };
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string line = trim(lines[n]);
    const std::string where = file + ":" + std::to_string(n + 1);
    if (line.empty()) {
      flush_para();
      flush_list();
      continue;
    }
    if (starts_with(line, "<")) return make_error("invalid_card", "raw HTML is not allowed in cards; use Markdown", where);
    if (line[0] == '#') {
      flush_para();
      flush_list();
      std::size_t level = line.find_first_not_of('#');
      if (level == std::string::npos || level > 3 || line[level] != ' ')
        return make_error("invalid_card", "headings are '# ', '## ' or '### ' followed by text", where);
      Block b;
      b.type = "heading";
      b.level = static_cast<int>(level);
      b.spans = parse_inline(trim(line.substr(level)));
      blocks.push_back(std::move(b));
      continue;
    }
    Block media;
    std::string media_error;
    if (parse_media_line(line, media, media_error)) {
      if (!media_error.empty()) return make_error("invalid_card", media_error, where);
      flush_para();
      flush_list();
      blocks.push_back(std::move(media));
      continue;
    }
    if (starts_with(line, "- ") || starts_with(line, "* ")) {
      flush_para();
      if (!list.items.empty() && list.ordered) flush_list();
      list.type = "list";
      list.ordered = false;
      list.items.push_back(parse_inline(trim(line.substr(2))));
      continue;
    }
    if (const auto dot = line.find(". "); dot != std::string::npos && dot > 0 && dot < 4 &&
                                          line.find_first_not_of("0123456789") == dot) {
      flush_para();
      if (!list.items.empty() && !list.ordered) flush_list();
      list.type = "list";
      list.ordered = true;
      list.items.push_back(parse_inline(trim(line.substr(dot + 2))));
      continue;
    }
    if (starts_with(line, "> ")) {
      flush_para();
      flush_list();
      Block b;
      b.type = "quote";
      b.spans = parse_inline(trim(line.substr(2)));
      blocks.push_back(std::move(b));
      continue;
    }
    flush_list();
    para += (para.empty() ? "" : " ") + line;
  }
  flush_para();
  flush_list();
  if (blocks.empty()) return make_error("invalid_card", "the card is empty", file);
  return blocks;
}

Result<CompiledCourse> compile_course(const std::vector<SourceFile>& sources) {
  std::map<std::string, const SourceFile*> by_path;
  for (const auto& s : sources) {
    if (auto p = path_problem(s.path); !p.empty()) return make_error("invalid_course", p, s.path);
    by_path[s.path] = &s;
  }
  auto manifest_it = by_path.find("course.json");
  if (manifest_it == by_path.end()) return make_error("invalid_course", "the folder has no course.json");
  auto doc = parse_json_text(manifest_it->second->data, "course.json");
  if (!doc) return doc.error();
  json course = std::move(doc).value();
  std::set<std::string> used = {"course.json"};

  // Resolve "file" references: Markdown cards into blocks, JSON files merged into items.
  if (course.is_object() && course.contains("modules") && course["modules"].is_array()) {
    auto& modules = course["modules"];
    for (std::size_t mi = 0; mi < modules.size(); ++mi) {
      if (!modules[mi].is_object() || !modules[mi].contains("items") || !modules[mi]["items"].is_array()) continue;
      auto& items = modules[mi]["items"];
      for (std::size_t ii = 0; ii < items.size(); ++ii) {
        json& item = items[ii];
        if (!item.is_object() || !item.contains("file")) continue;
        const std::string where = "course.json: modules[" + std::to_string(mi) + "].items[" + std::to_string(ii) + "].file";
        if (!item["file"].is_string()) return make_error("invalid_course", "expected a file path", where);
        const std::string file = item["file"];
        auto f = by_path.find(file);
        if (f == by_path.end()) return make_error("invalid_course", "\"" + file + "\" does not exist in the course folder", where);
        used.insert(file);
        item.erase("file");
        if (file.size() > 3 && file.compare(file.size() - 3, 3, ".md") == 0) {
          if (item.contains("blocks"))
            return make_error("invalid_course", "\"blocks\" is set both here and in course.json", file);
          auto blocks = parse_card_markdown(f->second->data, file);
          if (!blocks) return blocks.error();
          Course tmp;
          tmp.id = "tmp";
          Module m;
          m.id = "m";
          Item card;
          card.id = "c";
          card.type = "card";
          card.blocks = std::move(blocks).value();
          m.items.push_back(card);
          tmp.modules.push_back(m);
          item["blocks"] = course_to_json(tmp)["modules"][0]["items"][0]["blocks"];
          if (!item.contains("type")) item["type"] = "card";
        } else {
          auto part = parse_json_text(f->second->data, file);
          if (!part) return part.error();
          if (!part->is_object()) return make_error("invalid_course", "expected a JSON object", file);
          for (auto it = part->begin(); it != part->end(); ++it) {
            if (item.contains(it.key()))
              return make_error("invalid_course", "\"" + it.key() + "\" is set both here and in course.json", file);
            item[it.key()] = it.value();
          }
        }
      }
    }
  }
  auto parsed = parse_course(course);
  if (!parsed) {
    Error e = parsed.error();
    e.where = "course.json: " + e.where;
    return e;
  }
  CompiledCourse out;
  out.course = std::move(parsed).value();
  out.files.push_back({"course.json", course_to_json(out.course).dump(1) + "\n"});
  for (const auto& p : media_paths(out.course)) {
    auto f = by_path.find(p);
    if (f == by_path.end()) return make_error("invalid_course", "the course refers to a file that is not in the folder", p);
    used.insert(p);
    out.files.push_back({p, f->second->data});
  }
  for (const auto& [p, f] : by_path)
    if (!used.count(p)) out.unused.push_back(p);
  return out;
}

}  // namespace trailpack::bundle
