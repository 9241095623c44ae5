#include "core/text/text_cleaner.h"

#include <QtCore/QList>
#include <QtCore/QString>

#include <map>

namespace gesso::text {
namespace {

const std::map<QString, char32_t>& namedEntities() {
    // The entities prompts realistically contain (copied from web pages); others are left as they are.
    static const std::map<QString, char32_t> entities = {
        {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},
        {"nbsp", 0xA0},    {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}, {"lsquo", 0x2018},
        {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"copy", 0xA9},     {"reg", 0xAE},
        {"trade", 0x2122}, {"deg", 0xB0},     {"times", 0xD7},   {"eacute", 0xE9},   {"egrave", 0xE8},
        {"aacute", 0xE1},  {"agrave", 0xE0},  {"ouml", 0xF6},    {"uuml", 0xFC},     {"auml", 0xE4},
        {"szlig", 0xDF},   {"ccedil", 0xE7},  {"ntilde", 0xF1},  {"middot", 0xB7},   {"laquo", 0xAB},
        {"raquo", 0xBB},   {"bull", 0x2022},  {"euro", 0x20AC},  {"pound", 0xA3},    {"yen", 0xA5},
    };
    return entities;
}

// &name; &#123; &#x1F; -> the character (ftfy matches `&#?\w{0,8};`).
QString unescapeHtml(const QString& in) {
    QString out;
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        if (in[i] != '&') {
            out += in[i];
            continue;
        }
        const qsizetype semi = in.indexOf(';', i + 1);
        if (semi < 0 || semi - i - 1 > 9 || semi == i + 1) {
            out += in[i];
            continue;
        }
        const QString body = in.mid(i + 1, semi - i - 1);
        char32_t code = 0;
        bool ok = false;
        if (body.startsWith('#')) {
            if (body.size() > 1 && (body[1] == 'x' || body[1] == 'X'))
                code = body.mid(2).toUInt(&ok, 16);
            else
                code = body.mid(1).toUInt(&ok, 10);
            ok = ok && code > 0 && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
        } else {
            auto it = namedEntities().find(body);
            if (it == namedEntities().end()) it = namedEntities().find(body.toLower());
            if (it != namedEntities().end()) {
                code = it->second;
                ok = true;
            }
        }
        if (!ok) {
            out += in[i];
            continue;
        }
        out += QString::fromUcs4(&code, 1);
        i = semi;
    }
    return out;
}

bool isRemovedControl(char32_t c) {
    return (c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
           (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC) ||
           (c >= 0x1D173 && c <= 0x1D17A) || (c >= 0xE0000 && c <= 0xE007F);
}

} // namespace

std::string fixText(const std::string& utf8) {
    QString text = QString::fromUtf8(utf8.data(), static_cast<qsizetype>(utf8.size()));
    if (!text.contains('<')) text = unescapeHtml(text);
    QString out;
    out.reserve(text.size());
    for (char32_t c : text.toUcs4()) {
        if (isRemovedControl(c)) continue;
        if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) {
            out += QChar('\'');
        } else if (c >= 0x201C && c <= 0x201F) {
            out += QChar('"');
        } else if ((c >= 0xFB00 && c <= 0xFB06) || (c >= 0xFF01 && c <= 0xFF60) ||
                   (c >= 0xFFE0 && c <= 0xFFE6) || c == 0x3000 || c == 0x0132 || c == 0x0133 || c == 0x0149 ||
                   (c >= 0x01C4 && c <= 0x01CC) || (c >= 0x01F1 && c <= 0x01F3)) {
            // Ligatures and width variants: ftfy decomposes these with NFKC.
            out += QString::fromUcs4(&c, 1).normalized(QString::NormalizationForm_KC);
        } else if (c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85) {
            out += QChar('\n');
        } else {
            out += QString::fromUcs4(&c, 1);
        }
    }
    return out.normalized(QString::NormalizationForm_C).toStdString();
}

std::string cleanPromptText(const std::string& utf8) {
    const QString fixed = QString::fromStdString(fixText(utf8));
    QString out;
    out.reserve(fixed.size());
    bool pendingSpace = false;
    for (char32_t c : fixed.toUcs4()) {
        if (QChar::isSpace(c) || (c >= 0x1C && c <= 0x1F)) {
            pendingSpace = true;
            continue;
        }
        if (pendingSpace && !out.isEmpty()) out += QChar(' ');
        pendingSpace = false;
        out += QString::fromUcs4(&c, 1);
    }
    return out.toLower().toStdString();
}

} // namespace gesso::text
