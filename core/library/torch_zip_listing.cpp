// A PyTorch zip checkpoint's tensor shapes: only <top>/data.pkl is read; the restricted unpickler rebuilds
// every tensor on the meta device, so no storage (the bulk of the file) is ever read or allocated.
#include "core/io/torch_state_dict.h"
#include "core/library/tensor_listing.h"
#include "core/runtime/error.h"

#include <c10/util/Exception.h>
#include <zip.h>

#include <memory>
#include <vector>

namespace gesso::library {

namespace {

constexpr zip_uint64_t kMaxPickleBytes = 256ull << 20;

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};

std::vector<uint8_t> readPickle(zip_t* zip, const std::string& label) {
    const zip_int64_t count = zip_get_num_entries(zip, 0);
    std::string pickleName;
    for (zip_int64_t i = 0; i < count && pickleName.empty(); ++i) {
        const char* name = zip_get_name(zip, zip_uint64_t(i), 0);
        if (!name) continue;
        const std::string n = name;
        const size_t slash = n.find('/');
        if (slash != std::string::npos && n.compare(slash, std::string::npos, "/data.pkl") == 0)
            pickleName = n;
    }
    if (pickleName.empty())
        throw Error("'" + label + "' is a zip archive without data.pkl: not a PyTorch file");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(zip, pickleName.c_str(), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        !(st.valid & ZIP_STAT_INDEX))
        throw Error("'" + label + "': cannot read the size of " + pickleName);
    if (st.size > kMaxPickleBytes)
        throw Error("'" + label + "': its pickle is implausibly large (" + std::to_string(st.size) +
                    " bytes)");
    std::vector<uint8_t> data(st.size);
    zip_file_t* file = zip_fopen_index(zip, st.index, 0);
    if (!file) throw Error("'" + label + "': cannot open " + pickleName + ": " + zip_strerror(zip));
    zip_uint64_t done = 0;
    while (done < st.size) {
        const zip_int64_t n = zip_fread(file, data.data() + done, st.size - done);
        if (n <= 0) break;
        done += zip_uint64_t(n);
    }
    zip_fclose(file);
    if (done != st.size) throw Error("'" + label + "': " + pickleName + " is truncated or corrupt");
    return data;
}

} // namespace

TensorListing listTorchZip(const std::filesystem::path& path) {
    const std::string label = path.string();
    std::error_code ec;
    const uint64_t archiveBytes = std::filesystem::file_size(path, ec);
    if (ec) throw Error("cannot read '" + label + "': " + ec.message());
    int error = 0;
    std::unique_ptr<zip_t, ZipCloser> zip(zip_open(path.c_str(), ZIP_RDONLY, &error));
    if (!zip) {
        zip_error_t e;
        zip_error_init_with_code(&e, error);
        const std::string message = zip_error_strerror(&e);
        zip_error_fini(&e);
        throw Error("'" + label + "' is not a readable zip archive (" + message + ")");
    }
    const std::vector<uint8_t> pickle = readPickle(zip.get(), label);
    // Storages live in the archive: one claiming more bytes than the whole file is a lie, refused before
    // even a meta tensor of that size is made.
    const io::StorageLoader meta = [&](const std::string& key, torch::ScalarType dtype, int64_t numel) {
        uint64_t bytes = 0;
        if (numel < 0 || __builtin_mul_overflow(uint64_t(numel), uint64_t(c10::elementSize(dtype)), &bytes) ||
            bytes > archiveBytes)
            throw Error("'" + label + "': storage '" + key + "' claims " + std::to_string(numel) +
                        " elements, more than the file holds");
        return torch::empty({numel}, torch::TensorOptions().dtype(dtype).device(torch::kMeta));
    };
    io::TensorMap tensors;
    try {
        tensors = io::unpickleStateDict(pickle.data(), pickle.size(), meta, label);
    } catch (const c10::Error& e) {
        throw Error("'" + label + "': malformed tensor in its pickle (" + e.what_without_backtrace() + ")");
    }
    TensorListing out;
    out.format = Format::PytorchZip;
    out.label = label;
    for (const auto& [name, tensor] : tensors)
        out.shapes[name] = tensor.sizes().vec();
    return out;
}

} // namespace gesso::library
