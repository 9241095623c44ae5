#include "core/library/classify_path.h"

#include "core/library/classify.h"
#include "core/library/diffusers_folder.h"
#include "core/library/tensor_listing.h"

#include <exception>
#include <new>

namespace gesso::library {

Classification classifyPath(const std::filesystem::path& path) {
    Classification c;
    try {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            if (isDiffusersFolder(path)) return classifyDiffusersFolder(path);
            c.reason = "'" + path.string() + "' is a folder without model_index.json";
            return c;
        }
        return classifyTensors(listTensors(path));
    } catch (const std::bad_alloc&) {
        c.reason = "'" + path.string() + "' needs more memory than available to inspect";
    } catch (const std::exception& e) {
        c.reason = e.what();
    }
    return c;
}

} // namespace gesso::library
