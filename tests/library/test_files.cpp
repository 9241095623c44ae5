#include "tests/library/test_files.h"

#include <QtCore/QFile>
#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <stdexcept>

namespace gesso::test {

namespace {

uint32_t crc32(const QByteArray& data) {
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    uint32_t c = 0xFFFFFFFFu;
    for (char byte : data)
        c = table[(c ^ uint8_t(byte)) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

void put16(QByteArray& out, uint32_t v) {
    out.append(char(v & 0xFF)).append(char((v >> 8) & 0xFF));
}

void put32(QByteArray& out, uint32_t v) {
    put16(out, v & 0xFFFF);
    put16(out, v >> 16);
}

uint32_t get16(const QByteArray& data, qsizetype at) {
    return uint32_t(uint8_t(data[at])) | uint32_t(uint8_t(data[at + 1])) << 8;
}

uint32_t get32(const QByteArray& data, qsizetype at) {
    return get16(data, at) | get16(data, at + 2) << 16;
}

const char* storageType(const std::string& dtype) {
    if (dtype == "F32") return "FloatStorage";
    if (dtype == "F16") return "HalfStorage";
    if (dtype == "BF16") return "BFloat16Storage";
    if (dtype == "I64") return "LongStorage";
    throw std::runtime_error("no storage type for " + dtype);
}

uint64_t dtypeBytes(const std::string& dtype) {
    if (dtype == "F32") return 4;
    if (dtype == "F16" || dtype == "BF16") return 2;
    if (dtype == "I64") return 8;
    throw std::runtime_error("unknown dtype " + dtype);
}

uint64_t numel(const ManifestTensor& t) {
    uint64_t n = 1;
    for (int64_t d : t.shape)
        n *= uint64_t(d);
    return n;
}

void pickleString(QByteArray& out, const std::string& s) {
    out.append('X');
    put32(out, uint32_t(s.size()));
    out.append(s.data(), qsizetype(s.size()));
}

void pickleInt(QByteArray& out, uint64_t v) {
    if (v > 0x7FFFFFFFu) throw std::runtime_error("pickle writer: integer too large");
    out.append('J');
    put32(out, uint32_t(v));
}

void pickleIntTuple(QByteArray& out, const std::vector<uint64_t>& values) {
    if (values.empty()) {
        out.append(')');
        return;
    }
    out.append('(');
    for (uint64_t v : values)
        pickleInt(out, v);
    out.append('t');
}

} // namespace

std::vector<ManifestTensor> readManifest(const std::filesystem::path& file) {
    std::ifstream in(file);
    const nlohmann::json j = nlohmann::json::parse(in);
    std::vector<ManifestTensor> out;
    for (const auto& t : j)
        out.push_back({t.at("name").get<std::string>(), t.at("dtype").get<std::string>(),
                       t.at("shape").get<std::vector<int64_t>>()});
    return out;
}

void writeStoredZip(const std::filesystem::path& file,
                    const std::vector<std::pair<std::string, QByteArray>>& entries, uint64_t gap) {
    if (gap + 0x100000 > 0xFFFFFFFFu) throw std::runtime_error("zip writer: no zip64");
    QByteArray body, central;
    for (const auto& [name, data] : entries) {
        const uint32_t offset = uint32_t(body.size());
        const uint32_t crc = crc32(data);
        put32(body, 0x04034b50);
        put16(body, 20);
        put16(body, 0);
        put16(body, 0); // stored
        put16(body, 0);
        put16(body, 0x21);
        put32(body, crc);
        put32(body, uint32_t(data.size()));
        put32(body, uint32_t(data.size()));
        put16(body, uint32_t(name.size()));
        put16(body, 0);
        body.append(name.data(), qsizetype(name.size()));
        body.append(data);
        put32(central, 0x02014b50);
        put16(central, 20);
        put16(central, 20);
        put16(central, 0);
        put16(central, 0);
        put16(central, 0);
        put16(central, 0x21);
        put32(central, crc);
        put32(central, uint32_t(data.size()));
        put32(central, uint32_t(data.size()));
        put16(central, uint32_t(name.size()));
        put16(central, 0);
        put16(central, 0);
        put16(central, 0);
        put16(central, 0);
        put32(central, 0);
        put32(central, offset);
        central.append(name.data(), qsizetype(name.size()));
    }
    QByteArray end;
    put32(end, 0x06054b50);
    put16(end, 0);
    put16(end, 0);
    put16(end, uint32_t(entries.size()));
    put16(end, uint32_t(entries.size()));
    put32(end, uint32_t(central.size()));
    put32(end, uint32_t(gap + uint64_t(body.size())));
    put16(end, 0);
    QFile out(QString::fromStdString(file.string()));
    if (!out.open(QIODevice::WriteOnly)) throw std::runtime_error("cannot write " + file.string());
    out.write(body);
    if (gap && !out.resize(qint64(uint64_t(body.size()) + gap)))
        throw std::runtime_error("cannot size " + file.string());
    out.seek(qint64(uint64_t(body.size()) + gap));
    out.write(central);
    out.write(end);
}

std::vector<std::pair<std::string, QByteArray>> readStoredZip(const std::filesystem::path& file) {
    QFile in(QString::fromStdString(file.string()));
    if (!in.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read " + file.string());
    const QByteArray data = in.readAll();
    qsizetype eocd = data.size() - 22;
    while (eocd >= 0 && get32(data, eocd) != 0x06054b50)
        --eocd;
    if (eocd < 0) throw std::runtime_error("not a zip: " + file.string());
    const uint32_t count = get16(data, eocd + 10);
    qsizetype at = qsizetype(get32(data, eocd + 16));
    std::vector<std::pair<std::string, QByteArray>> out;
    for (uint32_t i = 0; i < count; ++i) {
        if (get32(data, at) != 0x02014b50 || get16(data, at + 10) != 0)
            throw std::runtime_error("unexpected zip entry in " + file.string());
        const uint32_t size = get32(data, at + 20);
        const uint32_t nameLength = get16(data, at + 28);
        const uint32_t skip = nameLength + get16(data, at + 30) + get16(data, at + 32);
        const std::string name = data.mid(at + 46, nameLength).toStdString();
        const qsizetype local = qsizetype(get32(data, at + 42));
        const qsizetype start = local + 30 + get16(data, local + 26) + get16(data, local + 28);
        out.emplace_back(name, data.mid(start, size));
        at += 46 + skip;
    }
    return out;
}

QByteArray stateDictPickle(const std::vector<ManifestTensor>& tensors) {
    QByteArray out("\x80\x02", 2);
    out.append("ccollections\nOrderedDict\n)R(");
    for (size_t i = 0; i < tensors.size(); ++i) {
        const ManifestTensor& t = tensors[i];
        pickleString(out, t.name);
        out.append("ctorch._utils\n_rebuild_tensor_v2\n(");
        out.append('(');
        pickleString(out, "storage");
        out.append("ctorch\n").append(storageType(t.dtype)).append('\n');
        pickleString(out, std::to_string(i));
        pickleString(out, "cpu");
        pickleInt(out, numel(t));
        out.append("tQ");
        pickleInt(out, 0);
        std::vector<uint64_t> sizes(t.shape.begin(), t.shape.end()), strides(t.shape.size());
        uint64_t stride = 1;
        for (size_t d = t.shape.size(); d-- > 0;) {
            strides[d] = stride;
            stride *= uint64_t(t.shape[d]);
        }
        pickleIntTuple(out, sizes);
        pickleIntTuple(out, strides);
        out.append("\x89");
        out.append("ccollections\nOrderedDict\n)RtR");
    }
    out.append("u.");
    return out;
}

uint64_t storageBytes(const std::vector<ManifestTensor>& tensors) {
    uint64_t total = 0;
    for (const auto& t : tensors)
        total += numel(t) * dtypeBytes(t.dtype);
    return total;
}

void writeSparseSafetensors(const std::filesystem::path& file, const std::vector<ManifestTensor>& tensors) {
    nlohmann::json header = nlohmann::json::object();
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        const uint64_t bytes = numel(t) * dtypeBytes(t.dtype);
        header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    const std::string text = header.dump();
    QFile out(QString::fromStdString(file.string()));
    if (!out.open(QIODevice::WriteOnly)) throw std::runtime_error("cannot write " + file.string());
    QByteArray length;
    put32(length, uint32_t(text.size()));
    put32(length, 0);
    out.write(length);
    out.write(text.data(), qint64(text.size()));
    if (!out.resize(qint64(8 + text.size() + offset)))
        throw std::runtime_error("cannot size " + file.string());
}

} // namespace gesso::test
