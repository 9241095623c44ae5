#include "tests/io/torch_zip_builder.h"

#include <zip.h>

#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace gesso::test {

PickleWriter& PickleWriter::raw(const std::string& bytes) {
    m_bytes += bytes;
    return *this;
}

PickleWriter& PickleWriter::op(char c) {
    m_bytes.push_back(c);
    return *this;
}

PickleWriter& PickleWriter::str(const std::string& s) {
    m_bytes.push_back('X');
    const uint32_t n = uint32_t(s.size());
    for (int i = 0; i < 4; ++i)
        m_bytes.push_back(char(n >> (8 * i)));
    m_bytes += s;
    return *this;
}

PickleWriter& PickleWriter::integer(int64_t v) {
    if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
        m_bytes.push_back('J');
        for (int i = 0; i < 4; ++i)
            m_bytes.push_back(char(uint32_t(v) >> (8 * i)));
    } else {
        m_bytes.push_back(char(0x8a));
        m_bytes.push_back(8);
        for (int i = 0; i < 8; ++i)
            m_bytes.push_back(char(uint64_t(v) >> (8 * i)));
    }
    return *this;
}

PickleWriter& PickleWriter::global(const std::string& module, const std::string& name) {
    m_bytes += "c" + module + "\n" + name + "\n";
    return *this;
}

PickleWriter& PickleWriter::emptyOrderedDict() {
    return global("collections", "OrderedDict").op(')').op('R');
}

PickleWriter& PickleWriter::tensor(const std::string& storageType, const std::string& key, int64_t numel,
                                   int64_t offset, const std::vector<int64_t>& sizes,
                                   const std::vector<int64_t>& strides) {
    global("torch._utils", "_rebuild_tensor_v2").op('(');
    op('(').str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).op('t').op('Q');
    integer(offset);
    op('(');
    for (int64_t s : sizes)
        integer(s);
    op('t').op('(');
    for (int64_t s : strides)
        integer(s);
    op('t').op(char(0x89)).emptyOrderedDict().op('t').op('R');
    return *this;
}

std::string makeZip(const std::vector<ZipEntry>& entries, const std::filesystem::path& scratch) {
    int error = 0;
    std::filesystem::remove(scratch);
    zip_t* zip = zip_open(scratch.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (!zip) throw std::runtime_error("cannot create test zip");
    for (const auto& e : entries) {
        zip_source_t* source = zip_source_buffer(zip, e.data.data(), e.data.size(), 0);
        const zip_int64_t index = zip_file_add(zip, e.name.c_str(), source, ZIP_FL_OVERWRITE);
        if (index < 0) throw std::runtime_error("cannot add to test zip");
        zip_set_file_compression(zip, zip_uint64_t(index), ZIP_CM_STORE, 0);
    }
    if (zip_close(zip) != 0) throw std::runtime_error("cannot write test zip");
    std::ifstream in(scratch, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string makeTorchCheckpoint(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                                bool wrapInStateDict, const std::filesystem::path& scratch) {
    PickleWriter p;
    p.raw("\x80\x02");
    if (wrapInStateDict) p.op('}').op('(').str("state_dict");
    p.emptyOrderedDict().op('(');
    std::vector<ZipEntry> entries;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const torch::Tensor t = tensors[i].second.contiguous();
        std::string type = t.scalar_type() == torch::kFloat16    ? "HalfStorage"
                           : t.scalar_type() == torch::kBFloat16 ? "BFloat16Storage"
                                                                 : "FloatStorage";
        std::vector<int64_t> strides = t.strides().vec();
        p.str(tensors[i].first).tensor(type, std::to_string(i), t.numel(), 0, t.sizes().vec(), strides);
        entries.push_back(
            {"archive/data/" + std::to_string(i),
             std::string(static_cast<const char*>(t.data_ptr()), size_t(t.numel() * t.element_size()))});
    }
    p.op('u');
    if (wrapInStateDict) p.str("epoch").integer(3).op('u');
    p.op('.');
    entries.insert(entries.begin(), {"archive/data.pkl", p.bytes()});
    entries.push_back({"archive/byteorder", "little"});
    entries.push_back({"archive/version", "3\n"});
    return makeZip(entries, scratch);
}

} // namespace gesso::test
