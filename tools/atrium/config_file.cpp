#include "tools/atrium/config_file.hpp"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <type_traits>
#include <variant>

#include <toml.hpp>

#include "protocol/decimal.hpp"

namespace atrium::cli {

namespace {

using spec = option_spec;

template <class>
constexpr bool is_number = false;
template <class T>
constexpr bool is_number<spec::number<T>> = true;

std::string_view type_name(toml::value_t type) {
  switch (type) {
    case toml::value_t::boolean:
      return "a boolean";
    case toml::value_t::integer:
      return "an integer";
    case toml::value_t::floating:
      return "a float";
    case toml::value_t::string:
      return "a string";
    case toml::value_t::array:
      return "an array";
    case toml::value_t::table:
      return "a table";
    default:
      return "a date or time";
  }
}

// The shortest text that parse_decimal reads back as the same number, and that TOML reads too.
template <class T>
std::string number_text(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, res.ptr);
  } else {
    return std::to_string(value);
  }
}

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char ch : text) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (ch < 0x20 || ch == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          out += buf;
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out + '"';
}

struct leaf {
  std::string name; // the option's name without "--": the key path joined with '-'
  std::string key;  // as written: the key path joined with '.'
  const toml::value* value;
};

void collect(const toml::value& table, const std::string& name, const std::string& key,
             std::vector<leaf>& out) {
  for (auto& [part, value] : table.as_table()) {
    auto child_name = name.empty() ? part : name + '-' + part;
    auto child_key = key.empty() ? part : key + '.' + part;
    if (value.is_table())
      collect(value, child_name, child_key, out);
    else
      out.push_back(leaf{std::move(child_name), std::move(child_key), &value});
  }
}

std::string where(const std::string& path, const toml::value& v) {
  return path + ':' + std::to_string(v.location().line());
}

// What `kind` takes in a file, for the error when it gets something else.
struct expects {
  std::string_view what;
  bool (*admits)(const toml::value&);
};

template <class Kind>
expects expected_type() {
  if constexpr (std::is_same_v<Kind, spec::flag>)
    return {"a boolean", [](const toml::value& v) { return v.is_boolean(); }};
  else if constexpr (std::is_same_v<Kind, spec::number<double>>)
    return {"a number", [](const toml::value& v) { return v.is_integer() || v.is_floating(); }};
  else if constexpr (is_number<Kind>)
    return {"an integer", [](const toml::value& v) { return v.is_integer(); }};
  else if constexpr (std::is_same_v<Kind, spec::list>)
    return {"a string or an array of strings",
            [](const toml::value& v) { return v.is_string() || v.is_array(); }};
  else
    return {"a string", [](const toml::value& v) { return v.is_string(); }};
}

// A number as written, underscores and a leading '+' dropped, for parse_decimal to judge the very
// text the command line would have: toml11 3.7 reads an integer past 64 bits as the largest one
// and a float past a double's range as the largest double, where the line refuses
// --port 99999999999999999999 and 1e400. Hex, octal and binary integers give their value.
std::string number_as_written(const toml::value& v) {
  auto loc = v.location();
  std::string token;
  if (loc.column() >= 1 && loc.column() - 1 < loc.line_str().size())
    token = loc.line_str().substr(loc.column() - 1, loc.region());
  token.erase(std::remove(token.begin(), token.end(), '_'), token.end());
  if (!token.empty() && token.front() == '+')
    token.erase(0, 1);
  bool based = token.size() > 1 && token[0] == '0'
               && (token[1] == 'x' || token[1] == 'o' || token[1] == 'b');
  if (token.empty() || based)
    return v.is_integer() ? std::to_string(v.as_integer()) : number_text(v.as_floating());
  return token;
}

// The value as the command line would have written it.
std::string text_of(const toml::value& v) {
  if (v.is_integer() || v.is_floating())
    return number_as_written(v);
  return v.as_string().str;
}

// "[error] toml::parse_key: the next token is not a key" -> "the next token is not a key".
std::string first_line_of(const char* what) {
  std::string text{what};
  text = text.substr(0, text.find('\n'));
  if (text.rfind("[error] ", 0) == 0)
    text.erase(0, 8);
  if (auto colon = text.find(": "); text.rfind("toml::", 0) == 0 && colon != std::string::npos)
    text.erase(0, colon + 2);
  return text;
}

} // namespace

std::optional<std::vector<setting>> read_config_file(const std::string& path,
                                                     const std::vector<option_spec>& table,
                                                     std::string& problem) {
  // Read here rather than by toml::parse(path), whose open error does not say why (no errno).
  std::ifstream in{path, std::ios::binary};
  std::string content;
  try {
    // libstdc++ throws from a read that fails (EISDIR) instead of setting badbit.
    if (in)
      content.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
  } catch (const std::exception&) {
    in.setstate(std::ios::badbit);
  }
  if (!in || in.bad()) {
    problem = "cannot read config file " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  toml::value document;
  try {
    std::istringstream text{content};
    document = toml::parse(text, path);
  } catch (const toml::exception& e) {
    problem = path + ':' + std::to_string(e.location().line())
              + ": invalid TOML: " + first_line_of(e.what());
    return std::nullopt;
  } catch (const std::exception& e) {
    problem = path + ": invalid TOML: " + first_line_of(e.what());
    return std::nullopt;
  }
  std::vector<leaf> leaves;
  collect(document, "", "", leaves);
  // In the order of the file: toml11's tables are unordered.
  std::sort(leaves.begin(), leaves.end(), [](const leaf& a, const leaf& b) {
    auto la = a.value->location(), lb = b.value->location();
    return std::make_pair(la.line(), la.column()) < std::make_pair(lb.line(), lb.column());
  });

  std::vector<setting> out;
  std::vector<std::pair<const option_spec*, std::string>> seen; // "3 (api.port)"
  for (auto& [name, key, value] : leaves) {
    auto at = where(path, *value) + ": " + key;
    auto option = std::find_if(table.begin(), table.end(), [&name = name](const option_spec& o) {
      return o.name.substr(0, 2) == "--" && o.name.substr(2) == name;
    });
    if (option == table.end()) {
      problem = at + ": unknown key (there is no option --" + name + ")";
      return std::nullopt;
    }
    if (option->config == spec::in_config::never) {
      problem = at + ": unknown key (" + std::string{option->name}
                + " is for the command line only)";
      return std::nullopt;
    }
    auto twice = std::find_if(seen.begin(), seen.end(),
                              [o = &*option](auto& earlier) { return earlier.first == o; });
    if (twice != seen.end()) {
      problem = at + ": " + std::string{option->name} + " is set twice: line " + twice->second
                + " too";
      return std::nullopt;
    }
    seen.emplace_back(&*option, std::to_string(value->location().line()) + " (" + key + ")");
    auto type = std::visit(
      [](const auto& kind) { return expected_type<std::decay_t<decltype(kind)>>(); },
      option->target);
    if (!type.admits(*value)) {
      problem = at + ": " + std::string{option->name} + " takes " + std::string{type.what}
                + ", not " + std::string{type_name(value->type())};
      return std::nullopt;
    }
    setting s{&*option, {}, at};
    if (value->is_boolean()) {
      if (!value->as_boolean())
        continue; // a flag never unsets: false is as if it were not there
    } else if (value->is_array()) {
      for (auto& item : value->as_array()) {
        if (!item.is_string()) {
          problem = where(path, item) + ": " + key + ": " + std::string{option->name}
                    + " takes an array of strings, not of " + std::string{type_name(item.type())};
          return std::nullopt;
        }
        s.values.push_back(item.as_string().str);
      }
      if (s.values.empty())
        continue;
    } else {
      s.values.push_back(text_of(*value));
    }
    if (option->config == spec::in_config::secret
        && std::find(s.values.begin(), s.values.end(), elided) != s.values.end()) {
      problem = at + ": the secret was elided by --print-config: write the real one back";
      return std::nullopt;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string config_text(const std::vector<setting>& settings,
                        const std::vector<option_spec>& table) {
  std::string out = "# atrium's configuration: the config file, the command line over it, and\n"
                    "# what neither sets commented out with its default. atrium --config reads\n"
                    "# it back; a secret is " + std::string{elided} + ": put it back first.\n";
  auto key = [](const option_spec& o) { return std::string{o.name.substr(2)}; };
  for (auto& s : settings) {
    auto& o = *s.option;
    out += key(o) + " = ";
    std::visit(
      [&](const auto& kind) {
        using kind_type = std::decay_t<decltype(kind)>;
        if constexpr (std::is_same_v<kind_type, spec::flag>) {
          out += "true";
        } else if (o.config == spec::in_config::secret) {
          if constexpr (std::is_same_v<kind_type, spec::list>)
            out += '[' + toml_string(elided) + ']';
          else
            out += toml_string(elided);
        } else if constexpr (is_number<kind_type>) {
          using T = std::remove_reference_t<decltype(kind.field(std::declval<options&>()))>;
          auto number = protocol::parse_decimal<T>(s.values.at(0));
          out += number ? number_text(*number) : s.values.at(0);
        } else if constexpr (std::is_same_v<kind_type, spec::list>) {
          out += '[';
          for (std::size_t i = 0; i < s.values.size(); ++i) {
            auto value = s.values[i];
            kind.admit(value); // as it applied: "chat" is the namespace "/chat"
            out += (i == 0 ? "" : ", ") + toml_string(value);
          }
          out += ']';
        } else {
          out += toml_string(s.values.at(0));
        }
      },
      o.target);
    if (o.config == spec::in_config::secret_path)
      out += " # the path of a secret: keep the file readable by atrium alone";
    out += '\n';
  }

  options defaults;
  for (auto& o : table) {
    bool set = std::any_of(settings.begin(), settings.end(),
                           [&o](const setting& s) { return s.option == &o; });
    if (set || o.config == spec::in_config::never || o.name.substr(0, 2) != "--")
      continue;
    std::string shown;
    std::visit(
      [&](const auto& kind) {
        using kind_type = std::decay_t<decltype(kind)>;
        if constexpr (std::is_same_v<kind_type, spec::flag>)
          shown = "false";
        else if constexpr (is_number<kind_type>)
          shown = number_text(kind.field(defaults));
        else if constexpr (std::is_same_v<kind_type, spec::text>)
          shown = kind.field(defaults).empty() ? "" : toml_string(kind.field(defaults));
        else if constexpr (std::is_same_v<kind_type, spec::choice>)
          shown = kind.word ? toml_string(kind.word(defaults)) : "";
      },
      o.target);
    out += "# " + key(o) + (shown.empty() ? " is not set" : " = " + shown) + '\n';
  }
  return out;
}

} // namespace atrium::cli
