#include "core/io/json_file.h"

#include "core/runtime/error.h"

#include <fstream>

namespace gesso::io {

nlohmann::json readJsonObject(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw Error("cannot read '" + path.string() + "'");
    nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) throw Error("'" + path.string() + "' is not a JSON object");
    return j;
}

} // namespace gesso::io
