#include "core/io/safetensors.h"
#include "core/library/tensor_listing.h"

namespace gesso::library {

// The file is memory-mapped, but only the pages of its header are ever touched.
TensorListing listSafetensors(const std::filesystem::path& file) {
    const io::SafetensorsFile st = io::SafetensorsFile::open(file);
    TensorListing out;
    out.format = Format::Safetensors;
    out.label = file.string();
    out.metadata = st.metadata();
    out.dataStart = st.dataStart();
    for (const auto& entry : st.entries())
        out.shapes[entry.name] = entry.shape;
    return out;
}

} // namespace gesso::library
