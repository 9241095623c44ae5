#include "core/text/clip_tokenizer.h"

#include "core/runtime/error.h"
#include "core/text/text_cleaner.h"

#include <QtCore/QChar>
#include <QtCore/QList>
#include <QtCore/QString>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace gesso::text {
namespace {

// Number of merges CLIPTokenizer reads: merges.txt lines [1, 49152 - 256 - 2 + 1).
constexpr int kMergeCount = 49152 - 256 - 2;

std::string utf8Of(char32_t c) {
    return QString::fromUcs4(&c, 1).toStdString();
}

// GPT-2/CLIP bytes_to_unicode(): printable bytes map to themselves, the rest to U+0100 onwards.
std::array<std::string, 256> byteEncoder() {
    std::array<bool, 256> printable{};
    for (int b = '!'; b <= '~'; ++b)
        printable[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b)
        printable[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b)
        printable[b] = true;
    std::array<std::string, 256> table;
    int next = 0;
    for (int b = 0; b < 256; ++b)
        table[b] = utf8Of(printable[b] ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + next++));
    return table;
}

std::string readFile(const std::filesystem::path& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read the CLIP " + what + " '" + path.string() + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// CLIP's pre-tokenisation pattern on cleaned text:
//   <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// (re.IGNORECASE; the text is already lower-case). Returns the matches in order.
std::vector<std::string> preTokenize(const std::string& cleaned) {
    const auto codes = QString::fromStdString(cleaned).toUcs4();
    const qsizetype n = codes.size();
    std::vector<std::string> out;
    auto slice = [&](qsizetype from, qsizetype to) {
        return QString::fromUcs4(reinterpret_cast<const char32_t*>(codes.constData()) + from, to - from)
            .toStdString();
    };
    auto startsWith = [&](qsizetype at, const char* literal) {
        qsizetype k = 0;
        for (; literal[k]; ++k)
            if (at + k >= n || codes[at + k] != static_cast<char32_t>(literal[k])) return false;
        return true;
    };
    auto isLetter = [](char32_t c) { return QChar::isLetter(c); };
    auto isNumber = [](char32_t c) { return QChar::isNumber(c); };
    auto isSpace = [](char32_t c) { return QChar::isSpace(c) || (c >= 0x1C && c <= 0x1F); };
    // The pattern's literal alternatives in its order: the special tokens, then the contractions.
    static const char* const kLiterals[] = {
        "<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    qsizetype i = 0;
    while (i < n) {
        bool matched = false;
        for (const char* s : kLiterals)
            if (startsWith(i, s)) {
                const qsizetype len = static_cast<qsizetype>(std::strlen(s));
                out.push_back(slice(i, i + len));
                i += len;
                matched = true;
                break;
            }
        if (matched) continue;
        const char32_t c = codes[i];
        if (isLetter(c)) {
            qsizetype j = i + 1;
            while (j < n && isLetter(codes[j]))
                ++j;
            out.push_back(slice(i, j));
            i = j;
        } else if (isNumber(c)) {
            out.push_back(slice(i, i + 1));
            ++i;
        } else if (isSpace(c)) {
            ++i;
        } else {
            qsizetype j = i + 1;
            while (j < n && !isLetter(codes[j]) && !isNumber(codes[j]) && !isSpace(codes[j]))
                ++j;
            out.push_back(slice(i, j));
            i = j;
        }
    }
    return out;
}

// Splits a UTF-8 string into its code points, each as a UTF-8 string.
std::vector<std::string> codePoints(const std::string& s) {
    std::vector<std::string> out;
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
        out.push_back(s.substr(i, len));
        i += len;
    }
    return out;
}

} // namespace

struct ClipTokenizer::Data {
    std::filesystem::path dir;
    std::unordered_map<std::string, int64_t> vocab;
    std::unordered_map<std::string, int> ranks;         // "first second" -> merge rank
    std::vector<std::pair<std::string, int64_t>> added; // split out of the raw text before BPE
    std::array<std::string, 256> bytes = byteEncoder();
    int64_t pad = kEosId;
    int64_t bos = kBosId, eos = kEosId;
    int64_t maxId = kEosId;
    int64_t comma = -1;
    mutable std::mutex cacheMutex;
    mutable std::unordered_map<std::string, std::vector<std::string>> cache;

    std::vector<std::string> bpe(const std::string& token) const {
        {
            std::lock_guard<std::mutex> lock(cacheMutex);
            auto it = cache.find(token);
            if (it != cache.end()) return it->second;
        }
        std::vector<std::string> word = codePoints(token);
        if (word.empty()) return {};
        word.back() += "</w>";
        while (word.size() > 1) {
            int best = -1;
            size_t bestAt = 0;
            for (size_t i = 0; i + 1 < word.size(); ++i) {
                auto it = ranks.find(word[i] + ' ' + word[i + 1]);
                if (it != ranks.end() && (best < 0 || it->second < best)) {
                    best = it->second;
                    bestAt = i;
                }
            }
            if (best < 0) break;
            const std::string first = word[bestAt], second = word[bestAt + 1];
            std::vector<std::string> merged;
            merged.reserve(word.size());
            for (size_t i = 0; i < word.size();) {
                if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
                    merged.push_back(first + second);
                    i += 2;
                } else {
                    merged.push_back(word[i]);
                    ++i;
                }
            }
            word = std::move(merged);
        }
        std::lock_guard<std::mutex> lock(cacheMutex);
        if (cache.size() > 100000) cache.clear();
        cache.emplace(token, word);
        return word;
    }

    // (token string, id) pairs of `text`.
    void run(const std::string& text, std::vector<std::string>* tokens, std::vector<int64_t>* ids) const {
        auto segment = [&](const std::string& part) {
            for (const std::string& piece : preTokenize(cleanPromptText(part))) {
                if (piece == "<|startoftext|>" || piece == "<|endoftext|>") {
                    if (tokens) tokens->push_back(piece);
                    if (ids) ids->push_back(piece == "<|startoftext|>" ? bos : eos);
                    continue;
                }
                std::string mapped;
                for (unsigned char b : piece)
                    mapped += bytes[b];
                for (std::string& t : bpe(mapped)) {
                    if (ids) {
                        auto it = vocab.find(t);
                        ids->push_back(it == vocab.end() ? eos : it->second); // unk = <|endoftext|>
                    }
                    if (tokens) tokens->push_back(std::move(t));
                }
            }
        };
        size_t start = 0, i = 0;
        while (i < text.size()) {
            const std::pair<std::string, int64_t>* hit = nullptr;
            for (const auto& a : added)
                if (text.compare(i, a.first.size(), a.first) == 0 &&
                    (!hit || a.first.size() > hit->first.size()))
                    hit = &a;
            if (!hit) {
                ++i;
                continue;
            }
            segment(text.substr(start, i - start));
            if (tokens) tokens->push_back(hit->first);
            if (ids) ids->push_back(hit->second);
            i += hit->first.size();
            start = i;
        }
        segment(text.substr(start));
    }
};

ClipTokenizer ClipTokenizer::load(const std::filesystem::path& dir, const ClipTokenizerOptions& options) {
    auto data = std::make_shared<Data>();
    data->dir = dir;
    const auto vocabPath = dir / "vocab.json";
    const auto mergesPath = dir / "merges.txt";
    try {
        const auto vocab = nlohmann::json::parse(readFile(vocabPath, "vocabulary"));
        if (!vocab.is_object())
            throw Error("the CLIP vocabulary '" + vocabPath.string() + "' is not a JSON object");
        data->vocab.reserve(vocab.size());
        for (auto it = vocab.begin(); it != vocab.end(); ++it)
            data->vocab.emplace(it.key(), it.value().get<int64_t>());
    } catch (const nlohmann::json::exception& e) {
        throw Error("the CLIP vocabulary '" + vocabPath.string() + "' is not valid: " + e.what());
    }
    {
        std::istringstream merges(readFile(mergesPath, "merges file"));
        std::string line;
        int lineNo = 0, rank = 0;
        while (rank < kMergeCount && std::getline(merges, line)) {
            if (lineNo++ == 0) continue; // "#version: 0.2"
            if (!line.empty() && line.back() == '\r') line.pop_back();
            const auto space = line.find(' ');
            if (space == std::string::npos) {
                if (line.empty()) break;
                throw Error("the CLIP merges file '" + mergesPath.string() + "' has a malformed line " +
                            std::to_string(lineNo));
            }
            data->ranks.emplace(line.substr(0, space) + ' ' + line.substr(space + 1), rank++);
        }
        if (rank == 0) throw Error("the CLIP merges file '" + mergesPath.string() + "' holds no merges");
    }
    {
        const auto bos = data->vocab.find("<|startoftext|>"), eos = data->vocab.find("<|endoftext|>");
        int64_t maxId = -1;
        for (const auto& [token, id] : data->vocab)
            maxId = std::max(maxId, id);
        if (bos == data->vocab.end() || eos == data->vocab.end() || eos->second != maxId)
            throw Error(
                "the CLIP vocabulary '" + vocabPath.string() +
                "' is not in CLIP's format (it needs <|startoftext|> and <|endoftext|>, the latter with "
                "the highest id)");
        data->bos = bos->second;
        data->eos = eos->second;
        data->maxId = maxId;
    }

    std::string padToken = options.padToken;
    std::vector<std::pair<std::string, int64_t>> added;
    for (const auto& t : options.addedTokens)
        if (data->vocab.count(t)) added.emplace_back(t, data->vocab.at(t));
    const auto configPath = dir / "tokenizer_config.json";
    if (std::filesystem::exists(configPath)) {
        try {
            const auto config = nlohmann::json::parse(readFile(configPath, "tokenizer config"));
            added.clear();
            if (config.contains("added_tokens_decoder") && config["added_tokens_decoder"].is_object())
                for (auto it = config["added_tokens_decoder"].begin();
                     it != config["added_tokens_decoder"].end(); ++it)
                    added.emplace_back(it.value().at("content").get<std::string>(), std::stoll(it.key()));
            const auto& pad = config.contains("pad_token") ? config["pad_token"] : nlohmann::json();
            if (pad.is_string())
                padToken = pad.get<std::string>();
            else if (pad.is_object() && pad.contains("content"))
                padToken = pad["content"].get<std::string>();
        } catch (const std::exception& e) {
            throw Error("the tokenizer config '" + configPath.string() + "' is not valid: " + e.what());
        }
    }
    added.emplace_back("<|startoftext|>", data->bos);
    added.emplace_back("<|endoftext|>", data->eos);
    data->added = std::move(added);
    auto padIt = data->vocab.find(padToken);
    if (padIt == data->vocab.end())
        throw Error("the pad token '" + padToken + "' of the tokenizer in '" + dir.string() +
                    "' is not in its vocabulary");
    data->pad = padIt->second;
    data->comma = data->vocab.count(",</w>") ? data->vocab.at(",</w>") : -1;
    ClipTokenizer tokenizer;
    tokenizer.m_data = std::move(data);
    return tokenizer;
}

std::array<std::string, 256> clipByteCharacters() {
    return byteEncoder();
}

std::vector<std::string> ClipTokenizer::tokenize(const std::string& text) const {
    std::vector<std::string> tokens;
    m_data->run(text, &tokens, nullptr);
    return tokens;
}

std::vector<int64_t> ClipTokenizer::encode(const std::string& text) const {
    std::vector<int64_t> ids;
    m_data->run(text, nullptr, &ids);
    return ids;
}

std::vector<int64_t> ClipTokenizer::window(const std::string& text) const {
    auto ids = encode(text);
    if (ids.size() > static_cast<size_t>(kChunkTokens)) ids.resize(kChunkTokens);
    std::vector<int64_t> out;
    out.reserve(kWindow);
    out.push_back(m_data->bos);
    out.insert(out.end(), ids.begin(), ids.end());
    out.push_back(m_data->eos);
    out.resize(kWindow, m_data->pad);
    return out;
}

int64_t ClipTokenizer::padId() const {
    return m_data->pad;
}
int64_t ClipTokenizer::bosId() const {
    return m_data->bos;
}
int64_t ClipTokenizer::eosId() const {
    return m_data->eos;
}
int64_t ClipTokenizer::vocabularySize() const {
    return m_data->maxId + 1;
}
int64_t ClipTokenizer::commaId() const {
    return m_data->comma;
}
int64_t ClipTokenizer::idOf(const std::string& token) const {
    auto it = m_data->vocab.find(token);
    return it == m_data->vocab.end() ? -1 : it->second;
}
const std::filesystem::path& ClipTokenizer::directory() const {
    return m_data->dir;
}

} // namespace gesso::text
