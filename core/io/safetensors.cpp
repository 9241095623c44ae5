#include "core/io/safetensors.h"

#include "core/io/mapped_file.h"
#include "core/runtime/error.h"

#include <QtCore/QSaveFile>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

namespace gesso::io {

namespace {

// Real headers are a few hundred KiB (SDXL: ~250 KiB); the reference implementation caps at 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;
constexpr size_t kMaxRank = 16;

struct DTypeInfo {
    StoredDType dtype;
    const char* name;
    size_t size;
    std::optional<torch::ScalarType> torchType; // none: Gesso cannot compute in it (the F8 types)
};
const DTypeInfo kDTypes[] = {
    {StoredDType::F64, "F64", 8, torch::kFloat64},     {StoredDType::F32, "F32", 4, torch::kFloat32},
    {StoredDType::F16, "F16", 2, torch::kFloat16},     {StoredDType::BF16, "BF16", 2, torch::kBFloat16},
    {StoredDType::I64, "I64", 8, torch::kInt64},       {StoredDType::I32, "I32", 4, torch::kInt32},
    {StoredDType::I16, "I16", 2, torch::kInt16},       {StoredDType::I8, "I8", 1, torch::kInt8},
    {StoredDType::U8, "U8", 1, torch::kUInt8},         {StoredDType::Bool, "BOOL", 1, torch::kBool},
    {StoredDType::F8E4M3, "F8_E4M3", 1, std::nullopt}, {StoredDType::F8E5M2, "F8_E5M2", 1, std::nullopt},
};

const DTypeInfo* infoOf(StoredDType dtype) {
    for (const auto& info : kDTypes)
        if (info.dtype == dtype) return &info;
    return nullptr;
}

[[noreturn]] void fail(const std::string& label, const std::string& problem) {
    throw Error("invalid safetensors file '" + label + "': " + problem);
}

uint64_t readLittleEndian64(const uint8_t* p) {
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i)
        value = (value << 8) | p[i];
    return value;
}

uint64_t asOffset(const nlohmann::json& value, const std::string& label, const std::string& name) {
    if (!value.is_number_unsigned())
        fail(label, "tensor '" + name + "': data_offsets must be unsigned integers");
    return value.get<uint64_t>();
}

} // namespace

const char* dtypeName(StoredDType dtype) {
    const DTypeInfo* info = infoOf(dtype);
    return info ? info->name : "?";
}

size_t dtypeSize(StoredDType dtype) {
    const DTypeInfo* info = infoOf(dtype);
    return info ? info->size : 0;
}

std::optional<torch::ScalarType> torchScalarType(StoredDType dtype) {
    const DTypeInfo* info = infoOf(dtype);
    return info ? info->torchType : std::nullopt;
}

std::optional<StoredDType> storedDType(torch::ScalarType type) {
    for (const auto& info : kDTypes)
        if (info.torchType == type) return info.dtype;
    return std::nullopt;
}

int64_t TensorEntry::numel() const {
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d; // validated not to overflow when parsed
    return n;
}

SafetensorsHeader parseSafetensorsHeader(const uint8_t* data, size_t size, const std::string& label) {
    if (size < 8) fail(label, "file is " + std::to_string(size) + " bytes, too short for a header");
    const uint64_t headerLength = readLittleEndian64(data);
    if (headerLength > kMaxHeaderBytes)
        fail(label, "header length " + std::to_string(headerLength) + " exceeds the limit of " +
                        std::to_string(kMaxHeaderBytes) + " bytes");
    if (headerLength > size - 8)
        fail(label, "header length " + std::to_string(headerLength) + " runs past the end of the file (" +
                        std::to_string(size) + " bytes)");
    if (headerLength < 2) fail(label, "header is empty");

    // Duplicate keys are legal JSON, but a safetensors file with two tensors of one name is ambiguous.
    std::set<std::string> topLevelKeys;
    std::string duplicate;
    nlohmann::json::parser_callback_t onEvent = [&](int depth, nlohmann::json::parse_event_t event,
                                                    nlohmann::json& parsed) {
        if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string()) {
            if (!topLevelKeys.insert(parsed.get<std::string>()).second && duplicate.empty())
                duplicate = parsed.get<std::string>();
        }
        return true;
    };
    const char* text = reinterpret_cast<const char*>(data + 8);
    nlohmann::json header =
        nlohmann::json::parse(text, text + headerLength, onEvent, /*allow_exceptions=*/false);
    if (header.is_discarded()) fail(label, "header is not well-formed UTF-8 JSON");
    if (!duplicate.empty()) fail(label, "tensor name '" + duplicate + "' appears twice");
    if (!header.is_object()) fail(label, "header is not a JSON object");

    SafetensorsHeader result;
    result.dataStart = 8 + headerLength;
    const uint64_t dataSize = size - result.dataStart;

    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const nlohmann::json& value = it.value();
        if (name == "__metadata__") {
            if (!value.is_object()) fail(label, "__metadata__ is not an object");
            for (auto m = value.begin(); m != value.end(); ++m) {
                if (!m.value().is_string())
                    fail(label, "__metadata__ value '" + m.key() + "' is not a string");
                result.metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        if (!value.is_object()) fail(label, "entry '" + name + "' is not an object");
        auto dtypeIt = value.find("dtype");
        auto shapeIt = value.find("shape");
        auto offsetsIt = value.find("data_offsets");
        if (dtypeIt == value.end() || !dtypeIt->is_string())
            fail(label, "tensor '" + name + "' has no dtype string");
        if (shapeIt == value.end() || !shapeIt->is_array())
            fail(label, "tensor '" + name + "' has no shape array");
        if (offsetsIt == value.end() || !offsetsIt->is_array() || offsetsIt->size() != 2)
            fail(label, "tensor '" + name + "' has no data_offsets pair");

        TensorEntry entry;
        entry.name = name;
        const std::string dtype = dtypeIt->get<std::string>();
        const DTypeInfo* info = nullptr;
        for (const auto& candidate : kDTypes)
            if (dtype == candidate.name) info = &candidate;
        if (!info) fail(label, "tensor '" + name + "' has unknown dtype '" + dtype + "'");
        entry.dtype = info->dtype;

        if (shapeIt->size() > kMaxRank) fail(label, "tensor '" + name + "' has more than 16 dimensions");
        uint64_t elements = 1;
        for (const auto& dim : *shapeIt) {
            if (!dim.is_number_unsigned())
                fail(label, "tensor '" + name + "' has a non-integer or negative dimension");
            uint64_t d = dim.get<uint64_t>();
            if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
                __builtin_mul_overflow(elements, d, &elements))
                fail(label, "tensor '" + name + "': shape product overflows");
            entry.shape.push_back(static_cast<int64_t>(d));
        }
        uint64_t bytes = 0;
        if (__builtin_mul_overflow(elements, static_cast<uint64_t>(info->size), &bytes) ||
            elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            fail(label, "tensor '" + name + "': shape product overflows");

        entry.begin = asOffset((*offsetsIt)[0], label, name);
        entry.end = asOffset((*offsetsIt)[1], label, name);
        if (entry.begin > entry.end) fail(label, "tensor '" + name + "': data_offsets are reversed");
        if (entry.end > dataSize)
            fail(label, "tensor '" + name + "': data_offsets [" + std::to_string(entry.begin) + ", " +
                            std::to_string(entry.end) + ") run past the end of the file (data section is " +
                            std::to_string(dataSize) + " bytes)");
        if (entry.end - entry.begin != bytes)
            fail(label, "tensor '" + name + "': " + std::to_string(entry.end - entry.begin) +
                            " bytes stored but shape x " + dtype + " needs " + std::to_string(bytes));
        result.entries.push_back(std::move(entry));
    }

    std::sort(result.entries.begin(), result.entries.end(), [](const TensorEntry& a, const TensorEntry& b) {
        return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
    });
    const TensorEntry* furthest = nullptr; // the entry reaching furthest so far
    for (const auto& current : result.entries) {
        if (current.begin == current.end) continue;
        if (furthest && current.begin < furthest->end)
            fail(label, "tensors '" + furthest->name + "' and '" + current.name + "' overlap");
        if (!furthest || current.end > furthest->end) furthest = &current;
    }
    return result;
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
    SafetensorsFile file;
    file.m_file = MappedFile::open(path);
    file.m_header = parseSafetensorsHeader(file.m_file->data(), file.m_file->size(), path.string());
    for (size_t i = 0; i < file.m_header.entries.size(); ++i)
        file.m_index[file.m_header.entries[i].name] = i;
    return file;
}

const std::filesystem::path& SafetensorsFile::path() const {
    return m_file->path();
}

const TensorEntry* SafetensorsFile::find(const std::string& name) const {
    auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : &m_header.entries[it->second];
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
    const TensorEntry* entry = find(name);
    if (!entry) throw Error("'" + path().string() + "' has no tensor named '" + name + "'");
    return tensor(*entry);
}

torch::Tensor SafetensorsFile::tensor(const TensorEntry& entry) const {
    auto scalarType = torchScalarType(entry.dtype);
    if (!scalarType)
        throw Error("'" + path().string() + "': tensor '" + entry.name + "' has dtype " +
                    dtypeName(entry.dtype) + ", which Gesso cannot load (use F32, F16 or BF16)");
    auto options = torch::TensorOptions().dtype(*scalarType).device(torch::kCPU);
    if (entry.numel() == 0) return torch::empty(entry.shape, options);
    uint8_t* base = m_file->data() + m_header.dataStart + entry.begin;
    // Unaligned views are legal for torch, but vectorised kernels prefer aligned data: copy those (rare).
    if (reinterpret_cast<uintptr_t>(base) % dtypeSize(entry.dtype) != 0)
        return torch::from_blob(base, entry.shape, options).clone();
    std::shared_ptr<MappedFile> keepAlive = m_file;
    return torch::from_blob(
        base, entry.shape, [keepAlive](void*) mutable { keepAlive.reset(); }, options);
}

void SafetensorsFile::releasePages(const TensorEntry& entry) const {
    m_file->release(m_header.dataStart + entry.begin, entry.end - entry.begin);
}

std::map<std::string, torch::Tensor> SafetensorsFile::tensors() const {
    std::map<std::string, torch::Tensor> all;
    for (const auto& entry : m_header.entries)
        all.emplace(entry.name, tensor(entry));
    return all;
}

void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::vector<torch::Tensor> contiguous;
    uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        torch::Tensor cpu = t.detach().to(torch::kCPU).contiguous();
        std::string dtype;
        for (const auto& info : kDTypes) {
            auto st = torchScalarType(info.dtype);
            if (st && *st == cpu.scalar_type()) dtype = info.name;
        }
        if (dtype.empty())
            throw Error("cannot write tensor '" + name + "' to '" + path.string() + "': unsupported dtype");
        if (header.contains(name))
            throw Error("cannot write '" + path.string() + "': tensor name '" + name + "' twice");
        const uint64_t bytes = static_cast<uint64_t>(cpu.numel()) * cpu.element_size();
        header[name] = {
            {"dtype", dtype}, {"shape", cpu.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        contiguous.push_back(cpu);
    }
    std::string text = header.dump();
    while ((8 + text.size()) % 8 != 0)
        text.push_back(' ');

    QSaveFile out(QString::fromStdString(path.string()));
    if (!out.open(QIODevice::WriteOnly))
        throw Error("cannot write '" + path.string() + "': " + out.errorString().toStdString());
    uint8_t length[8];
    uint64_t n = text.size();
    for (int i = 0; i < 8; ++i)
        length[i] = static_cast<uint8_t>(n >> (8 * i));
    out.write(reinterpret_cast<const char*>(length), 8);
    out.write(text.data(), static_cast<qint64>(text.size()));
    for (const auto& t : contiguous)
        out.write(static_cast<const char*>(t.data_ptr()), static_cast<qint64>(t.numel() * t.element_size()));
    if (!out.commit())
        throw Error("cannot write '" + path.string() + "': " + out.errorString().toStdString());
}

} // namespace gesso::io
