#include "quiver/protocol/json.h"

#include <cstddef>

namespace quiver {
inline namespace v1 {
namespace protocol {

namespace {

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// End of the integer token starting at `pos` ('-'? digits+), or `pos` if there is none.
std::size_t IntegerTokenEnd(std::string_view text, std::size_t pos) {
  std::size_t end = pos;
  if (end < text.size() && text[end] == '-') ++end;
  std::size_t digits_begin = end;
  while (end < text.size() && IsDigit(text[end])) ++end;
  return end == digits_begin ? pos : end;
}

}  // namespace

std::string NormalizeFastjson(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  // The last significant (non-whitespace) character copied outside a string: a bare key
  // may follow only '{' or ','.
  char last_significant = '\0';
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      // Copy the whole string literal, honouring backslash escapes. An unterminated
      // string is copied to the end for the parser to reject.
      std::size_t end = i + 1;
      while (end < text.size() && text[end] != '"') {
        end += (text[end] == '\\') ? 2 : 1;
      }
      end = end < text.size() ? end + 1 : text.size();
      out.append(text.substr(i, end - i));
      last_significant = '"';
      i = end;
      continue;
    }
    if ((c == '-' || IsDigit(c)) && (last_significant == '{' || last_significant == ',')) {
      std::size_t token_end = IntegerTokenEnd(text, i);
      std::size_t after = token_end;
      while (after < text.size() && IsJsonWhitespace(text[after])) ++after;
      // Only a whole integer followed by ':' is a key ("1.5:" stops at '.', not ':').
      if (token_end != i && after < text.size() && text[after] == ':') {
        out.push_back('"');
        out.append(text.substr(i, token_end - i));
        out.push_back('"');
        last_significant = '"';
        i = token_end;
        continue;
      }
    }
    out.push_back(c);
    if (!IsJsonWhitespace(c)) last_significant = c;
    ++i;
  }
  return out;
}

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
