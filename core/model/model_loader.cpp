#include "core/model/model_loader.h"

#include "core/io/json_file.h"
#include "core/io/tensor_store.h"
#include "core/io/weight_buffers.h"
#include "core/model/key_mapping.h"
#include "core/model/prediction_guess.h"
#include "core/runtime/error.h"

#include <c10/core/InferenceMode.h>
#include <c10/util/accumulate.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace gesso::model {

using io::allocateWeight;
using io::allocateWeights;
using io::convertInto;
using io::convertToFloat;
using io::openTensorStore;
using io::TensorStore;

namespace {

namespace fs = std::filesystem;
using model::Checkpoint;
using model::ModelFamily;
using model::Prediction;

constexpr size_t kNamedKeys = 5; // how many keys an error or warning names

std::string componentName(int component) {
    if (component == kUnet) return "unet";
    if (component == kVae) return "vae";
    const int i = component - kTextEncoder;
    return i == 0 ? "text_encoder" : "text_encoder_" + std::to_string(i + 1);
}

std::string firstKeys(const std::vector<std::string>& keys) {
    std::string text;
    for (size_t i = 0; i < keys.size() && i < kNamedKeys; ++i)
        text += (i ? ", " : "") + ("'" + keys[i] + "'");
    if (keys.size() > kNamedKeys) text += ", ...";
    return text;
}

// A sharded diffusers component: several files seen as one store.
class ShardedStore final : public TensorStore {
public:
    explicit ShardedStore(std::vector<std::unique_ptr<TensorStore>> shards) : m_shards(std::move(shards)) {
        m_path = m_shards.front()->path();
        for (size_t i = 0; i < m_shards.size(); ++i)
            for (const auto& [name, shape] : m_shards[i]->shapes()) {
                if (m_owner.count(name))
                    throw Error("tensor '" + name + "' appears in two shards of '" + m_path.string() + "'");
                m_owner[name] = i;
                m_shapes[name] = shape;
                m_dtypes[name] = m_shards[i]->dtypeOf(name);
            }
    }
    torch::Tensor view(const std::string& key) const override { return m_shards[m_owner.at(key)]->view(key); }
    void release(const std::string& key) const override { m_shards[m_owner.at(key)]->release(key); }
    bool readsStoredBytes() const override {
        return std::all_of(m_shards.begin(), m_shards.end(),
                           [](const auto& s) { return s->readsStoredBytes(); });
    }
    void readStored(const std::string& key, size_t offset, void* dst, size_t length) const override {
        m_shards[m_owner.at(key)]->readStored(key, offset, dst, length);
    }

private:
    std::vector<std::unique_ptr<TensorStore>> m_shards;
    std::map<std::string, size_t> m_owner;
};

struct Work {
    const TensorStore* store = nullptr;
    KeyMapping mapping;
};

struct Prepared {
    ModelSummary summary;
    std::vector<std::unique_ptr<TensorStore>> stores;
    std::vector<Work> work;
};

std::string readText(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Checks the mapped keys of one component against what its network needs: missing -> error, extra ->
// warning (and dropped).
void validateComponent(Prepared& p, int component, const std::vector<std::string>& expected,
                       const fs::path& source) {
    std::set<std::string> produced;
    for (const auto& w : p.work)
        if (w.mapping.component == component) produced.insert(w.mapping.target);
    std::vector<std::string> missing;
    for (const auto& key : expected)
        if (!produced.count(key)) missing.push_back(key);
    if (!missing.empty())
        throw Error("'" + source.string() + "': the " + componentName(component) + " lacks " +
                    std::to_string(missing.size()) +
                    " weight(s) its detected architecture needs: " + firstKeys(missing));
    const std::set<std::string> wanted(expected.begin(), expected.end());
    std::vector<std::string> extra;
    std::vector<Work> kept;
    for (auto& w : p.work) {
        if (w.mapping.component == component && !wanted.count(w.mapping.target))
            extra.push_back(w.mapping.source);
        else
            kept.push_back(std::move(w));
    }
    p.work = std::move(kept);
    if (!extra.empty())
        p.summary.checkpoint.warnings.push_back(componentName(component) + ": ignored " +
                                                std::to_string(extra.size()) +
                                                " unexpected tensor(s): " + firstKeys(extra));
}

void summarise(Prepared& p) {
    std::map<int, ComponentSummary> byComponent;
    for (const auto& w : p.work) {
        ComponentSummary& s = byComponent[w.mapping.component];
        s.name = componentName(w.mapping.component);
        int64_t n = 1;
        for (int64_t d : transformedShape(w.store->shapes().at(w.mapping.source), w.mapping.transform))
            n *= d;
        s.parameters += n;
        s.tensors += 1;
        if (w.mapping.transform != KeyTransform::ChunkK && w.mapping.transform != KeyTransform::ChunkV)
            s.storedDtypes[w.store->dtypeOf(w.mapping.source)] += 1;
    }
    for (auto& [component, s] : byComponent)
        p.summary.components.push_back(std::move(s));
}

void validateAll(Prepared& p, const fs::path& source) {
    Checkpoint& ck = p.summary.checkpoint;
    validateComponent(p, kUnet, expectedUnetKeys(ck.unetConfig), source);
    if (!ck.vaeConfig.blockOutChannels.empty())
        validateComponent(p, kVae, expectedVaeKeys(ck.vaeConfig), source);
    for (size_t i = 0; i < ck.textEncoders.size(); ++i)
        validateComponent(p, kTextEncoder + int(i), expectedClipKeys(ck.textEncoders[i].config), source);
    summarise(p);
}

void applyPredictionOverride(Checkpoint& ck, const LoadOptions& options) {
    if (!options.prediction) return;
    ck.prediction = *options.prediction;
    ck.predictionGuessed = false;
    auto& w = ck.warnings;
    w.erase(std::remove(w.begin(), w.end(), model::assumedPredictionWarning()), w.end());
}

// --- single files -----------------------------------------------------------------------------------------

Prepared prepareSingleFile(const fs::path& path, const LoadOptions& options) {
    Prepared p;
    p.stores.push_back(openTensorStore(path));
    const TensorStore& store = *p.stores.front();
    p.summary.layout = store.inMemory() ? "pytorch-zip" : "safetensors";
    const model::DetectedModel detected = model::detectLdmModel(store.shapes(), path.string());
    Checkpoint& ck = p.summary.checkpoint;
    ck.source = path;
    ck.family = detected.family;
    ck.unetConfig = detected.unet;
    if (detected.hasVae)
        ck.vaeConfig = detected.vae;
    else
        ck.warnings.push_back("the file has no VAE (first_stage_model.*): a separate VAE is needed");
    for (const auto& te : detected.textEncoders)
        ck.textEncoders.push_back({te.config, {}});
    if (ck.textEncoders.empty())
        ck.warnings.push_back("the file has no text encoder: a separate one is needed");
    ck.forceZerosForEmptyPrompt = detected.family == ModelFamily::Sdxl;

    // Prediction type: marker key or metadata, else the family's convention; SD2 is a real guess.
    const auto& metadata = store.metadata();
    auto spec = metadata.find("modelspec.prediction_type");
    if (store.shapes().count("v_pred")) {
        ck.prediction = Prediction::V;
    } else if (spec != metadata.end() && (spec->second == "v" || spec->second == "v_prediction")) {
        ck.prediction = Prediction::V;
    } else if (spec != metadata.end() && (spec->second == "epsilon" || spec->second == "eps")) {
        ck.prediction = Prediction::Epsilon;
    } else if (detected.family == ModelFamily::Sd2) {
        // Settled by a test evaluation of the UNet once it is built (core/model/prediction_guess.h).
        ck.prediction = Prediction::V;
        ck.predictionGuessed = true;
        ck.warnings.push_back(model::assumedPredictionWarning());
    } else {
        ck.prediction = Prediction::Epsilon;
    }
    applyPredictionOverride(ck, options);

    KeyPlan plan = planLdmKeys(store.shapes(), detected);
    for (auto& m : plan.mappings)
        p.work.push_back({&store, std::move(m)});
    int64_t ignored = 0;
    std::set<std::string> used;
    for (const auto& w : p.work)
        used.insert(w.mapping.source);
    ignored = int64_t(store.shapes().size() - used.size() - plan.unexpected.size());
    p.summary.ignoredTensors = ignored;
    if (!plan.unexpected.empty())
        ck.warnings.push_back("ignored " + std::to_string(plan.unexpected.size()) +
                              " tensor(s) of no known component: " + firstKeys(plan.unexpected));
    validateAll(p, path);
    return p;
}

// --- diffusers folders ------------------------------------------------------------------------------------

// The weights of a component folder: prefer full precision for an F32 target, the fp16 variant otherwise.
std::unique_ptr<TensorStore> openComponentWeights(const fs::path& dir, bool preferFp16) {
    std::vector<std::string> variants =
        preferFp16 ? std::vector<std::string>{".fp16", ""} : std::vector<std::string>{"", ".fp16"};
    for (const char* ext : {".safetensors", ".bin"})
        for (const auto& variant : variants)
            for (const char* base : {"diffusion_pytorch_model", "model", "pytorch_model"}) {
                const fs::path single = dir / (std::string(base) + variant + ext);
                if (fs::is_regular_file(single)) return openTensorStore(single);
                const fs::path index = dir / (std::string(base) + variant + ext + ".index.json");
                if (fs::is_regular_file(index)) {
                    const nlohmann::json j = io::readJsonObject(index);
                    std::set<std::string> files;
                    for (const auto& [key, file] : j.value("weight_map", nlohmann::json::object()).items())
                        if (file.is_string()) files.insert(file.get<std::string>());
                    if (files.empty()) throw Error("'" + index.string() + "' names no shard files");
                    std::vector<std::unique_ptr<TensorStore>> shards;
                    for (const auto& file : files) {
                        if (fs::path(file).has_parent_path())
                            throw Error("'" + index.string() + "': shard outside the folder");
                        shards.push_back(openTensorStore(dir / file));
                    }
                    return std::make_unique<ShardedStore>(std::move(shards));
                }
            }
    throw Error("'" + dir.string() +
                "' holds no weights (diffusion_pytorch_model/model .safetensors or .bin)");
}

bool hasComponent(const nlohmann::json& index, const fs::path& root, const char* name) {
    auto it = index.find(name);
    if (it == index.end() || !it->is_array() || it->size() != 2 || (*it)[1].is_null()) return false;
    return fs::is_directory(root / name);
}

Prepared prepareDiffusers(const fs::path& root, const LoadOptions& options) {
    Prepared p;
    p.summary.layout = "diffusers";
    Checkpoint& ck = p.summary.checkpoint;
    ck.source = root;
    const nlohmann::json index = io::readJsonObject(root / "model_index.json");
    const bool preferFp16 = options.dtype != torch::kFloat32 && options.dtype != torch::kFloat64;
    auto addComponent = [&](const fs::path& dir, int component) {
        p.stores.push_back(openComponentWeights(dir, preferFp16));
        const TensorStore& store = *p.stores.back();
        KeyPlan plan = planDiffusersKeys(store.shapes(), component);
        for (auto& m : plan.mappings)
            p.work.push_back({&store, std::move(m)});
        p.summary.ignoredTensors += int64_t(store.shapes().size() - plan.mappings.size());
    };

    if (!hasComponent(index, root, "unet")) throw Error("'" + root.string() + "' has no unet folder");
    try {
        ck.unetConfig =
            model::UnetConfig::fromDiffusersJson(io::readJsonObject(root / "unet" / "config.json"));
        addComponent(root / "unet", kUnet);
        if (hasComponent(index, root, "vae")) {
            ck.vaeConfig =
                model::VaeConfig::fromDiffusersJson(io::readJsonObject(root / "vae" / "config.json"));
            addComponent(root / "vae", kVae);
        } else {
            ck.warnings.push_back("the folder has no VAE: a separate VAE is needed");
        }
        for (const char* name : {"text_encoder", "text_encoder_2"}) {
            if (!hasComponent(index, root, name)) continue;
            ck.textEncoders.push_back(
                {model::ClipTextConfig::fromDiffusersJson(io::readJsonObject(root / name / "config.json")),
                 {}});
            addComponent(root / name, kTextEncoder + int(ck.textEncoders.size()) - 1);
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error("'" + root.string() + "': a config.json is not usable: " + e.what());
    }

    const bool hasClipL = hasComponent(index, root, "text_encoder");
    if (ck.unetConfig.additionTimeEmbedDim > 0) {
        ck.family = hasClipL ? ModelFamily::Sdxl : ModelFamily::SdxlRefiner;
    } else if ((!ck.textEncoders.empty() && !ck.textEncoders.front().config.quickGelu) ||
               ck.unetConfig.crossAttentionDim == 1024) {
        ck.family = ModelFamily::Sd2;
    } else {
        ck.family = ModelFamily::Sd1;
    }
    if (fs::is_directory(root / "tokenizer")) ck.tokenizerDir = root / "tokenizer";
    if (fs::is_directory(root / "tokenizer_2")) ck.tokenizer2Dir = root / "tokenizer_2";
    const fs::path schedulerConfig = root / "scheduler" / "scheduler_config.json";
    try {
        ck.forceZerosForEmptyPrompt = index.value("force_zeros_for_empty_prompt", false);
        if (fs::is_regular_file(schedulerConfig)) {
            ck.schedulerConfigJson = readText(schedulerConfig);
            const nlohmann::json scheduler = io::readJsonObject(schedulerConfig);
            ck.prediction = scheduler.value("prediction_type", std::string("epsilon")) == "v_prediction"
                                ? Prediction::V
                                : Prediction::Epsilon;
        }
    } catch (const nlohmann::json::exception& e) {
        // A value of the wrong type (e.g. "prediction_type": 1): nlohmann's type_error, not a crash.
        throw Error("'" + root.string() +
                    "': model_index.json or scheduler_config.json is not usable: " + e.what());
    }
    if (!fs::is_regular_file(schedulerConfig) && ck.family == ModelFamily::Sd2) {
        ck.prediction = Prediction::V;
        ck.predictionGuessed = true;
        ck.warnings.push_back(model::assumedPredictionWarning());
    }
    applyPredictionOverride(ck, options);
    validateAll(p, root);
    return p;
}

Prepared prepare(const fs::path& path, const LoadOptions& options) {
    if (fs::is_directory(path)) {
        if (!fs::is_regular_file(path / "model_index.json"))
            throw Error("'" + path.string() +
                        "' is a folder without model_index.json: not a diffusers model");
        return prepareDiffusers(path, options);
    }
    if (!fs::exists(path)) throw Error("'" + path.string() + "' does not exist");
    return prepareSingleFile(path, options);
}

// --- conversion -------------------------------------------------------------------------------------------

std::optional<torch::ScalarType> storedFloatType(const std::string& dtype) {
    if (dtype == "F16") return torch::kFloat16;
    if (dtype == "BF16") return torch::kBFloat16;
    return std::nullopt;
}

// How a F16/BF16 tensor of a file is read straight into a new F32 tensor: through a small per-thread
// buffer (pread) rather than the mapping, for the transforms that keep the stored order (the chunks of a
// fused in_proj are row ranges).
struct StreamPlan {
    torch::ScalarType stored = torch::kFloat16;
    std::vector<int64_t> shape; // after the transform
    size_t byteOffset = 0;      // into the stored tensor
};

std::optional<StreamPlan> streamPlan(const Work& w) {
    const std::string& key = w.mapping.source;
    const auto stored = storedFloatType(w.store->dtypeOf(key));
    if (!stored || !w.store->readsStoredBytes() || w.mapping.transform == KeyTransform::Transpose)
        return std::nullopt;
    StreamPlan plan;
    plan.stored = *stored;
    plan.shape = transformedShape(w.store->shapes().at(key), w.mapping.transform);
    const size_t chunk = w.mapping.transform == KeyTransform::ChunkK   ? 1
                         : w.mapping.transform == KeyTransform::ChunkV ? 2
                                                                       : 0;
    plan.byteOffset = chunk * size_t(c10::multiply_integers(plan.shape)) * c10::elementSize(*stored);
    return plan;
}

void readConverted(const Work& w, const StreamPlan& plan, torch::Tensor& out) {
    const size_t numel = size_t(out.numel());
    const size_t elementSize = c10::elementSize(plan.stored);
    float* dst = out.data_ptr<float>();
    constexpr size_t kBlock = size_t(64)
                              << 10; // elements: the stored block stays in L2 while it is converted
    // 4 KiB-aligned: the kernel copies from the page cache ~3x slower into a buffer that is not 64-byte
    // aligned.
    struct FreeDeleter {
        void operator()(void* p) const { std::free(p); }
    };
    thread_local std::unique_ptr<uint8_t, FreeDeleter> buffer(
        static_cast<uint8_t*>(std::aligned_alloc(4096, kBlock * 4)));
    if (!buffer) throw Error("out of memory while loading '" + w.store->path().string() + "'");
    for (size_t done = 0; done < numel;) {
        const size_t n = std::min(kBlock, numel - done);
        w.store->readStored(w.mapping.source, plan.byteOffset + done * elementSize, buffer.get(),
                            n * elementSize);
        convertToFloat(buffer.get(), plan.stored, dst + done, n);
        done += n;
    }
}

torch::Tensor convert(const Work& w, const LoadOptions& options) {
    torch::Tensor t = w.store->view(w.mapping.source);
    if (!t.is_floating_point())
        throw Error("'" + w.store->path().string() + "': tensor '" + w.mapping.source +
                    "' is not floating point");
    const auto shape = transformedShape(t.sizes().vec(), w.mapping.transform);
    switch (w.mapping.transform) {
    case KeyTransform::None:
        break;
    case KeyTransform::ConvToLinear:
        t = t.reshape(shape);
        break;
    case KeyTransform::Transpose:
        t = t.t();
        break;
    case KeyTransform::ChunkQ:
        t = t.narrow(0, 0, shape[0]);
        break;
    case KeyTransform::ChunkK:
        t = t.narrow(0, shape[0], shape[0]);
        break;
    case KeyTransform::ChunkV:
        t = t.narrow(0, 2 * shape[0], shape[0]);
        break;
    }
    if (!options.device.is_cpu()) return t.to(options.device, options.dtype).contiguous();
    if (t.scalar_type() == options.dtype && t.is_contiguous()) return t; // zero-copy (mapping or pickle)
    torch::Tensor out = allocateWeight(shape, options.dtype);
    convertInto(t, out);
    const bool chunk = w.mapping.transform == KeyTransform::ChunkQ ||
                       w.mapping.transform == KeyTransform::ChunkK ||
                       w.mapping.transform == KeyTransform::ChunkV;
    if (!chunk) w.store->release(w.mapping.source); // the stored bytes are not needed any more
    return out;
}

void materialize(Prepared& p, const LoadOptions& options) {
    c10::InferenceMode guard;
    const size_t n = p.work.size();
    std::vector<torch::Tensor> results(n);
    // F16/BF16 -> F32 on the CPU (the common case): the outputs of each component share one huge-page arena,
    // allocated up front, and are filled from the file by plain reads.
    std::vector<std::optional<StreamPlan>> plans(n);
    if (options.device.is_cpu() && options.dtype == torch::kFloat32) {
        std::map<int, std::vector<size_t>> byComponent;
        for (size_t i = 0; i < n; ++i)
            if ((plans[i] = streamPlan(p.work[i]))) byComponent[p.work[i].mapping.component].push_back(i);
        for (const auto& [component, items] : byComponent) {
            std::vector<std::vector<int64_t>> shapes;
            for (size_t i : items)
                shapes.push_back(plans[i]->shape);
            std::vector<torch::Tensor> outs = allocateWeights(shapes, torch::kFloat32);
            for (size_t k = 0; k < items.size(); ++k)
                results[items[k]] = std::move(outs[k]);
        }
    }
    // Each thread takes one run of consecutive items (plan order = name order, for common files also file
    // and arena order) of about equal output bytes: sequential reads, and each thread first-touches its own
    // stretch of fresh memory.
    const int threads = std::max(1, std::min(at::get_num_threads(), int(n)));
    std::vector<size_t> bounds(size_t(threads) + 1, n);
    {
        double total = 0;
        std::vector<double> cost(n);
        for (size_t i = 0; i < n; ++i) {
            const auto& shape =
                plans[i] ? plans[i]->shape : p.work[i].store->shapes().at(p.work[i].mapping.source);
            total += cost[i] = double(c10::multiply_integers(shape)) + 1;
        }
        double sum = 0;
        int t = 1;
        bounds[0] = 0;
        for (size_t i = 0; i < n && t < threads; ++i) {
            sum += cost[i];
            while (t < threads && sum >= total * t / threads)
                bounds[size_t(t++)] = i + 1;
        }
    }
    std::atomic<bool> failed{false};
    std::mutex errorMutex;
    std::exception_ptr error;
    // Plain threads: at::parallel_for only runs in parallel in code compiled with OpenMP, which Gesso is not.
    auto runStretch = [&](size_t t) {
        c10::InferenceMode innerGuard;
        for (size_t i = bounds[t]; i < bounds[t + 1] && !failed; ++i) {
            try {
                if (plans[i])
                    readConverted(p.work[i], *plans[i], results[i]);
                else
                    results[i] = convert(p.work[i], options);
            } catch (...) {
                std::lock_guard<std::mutex> lock(errorMutex);
                if (!error) error = std::current_exception();
                failed = true;
            }
        }
    };
    std::vector<std::thread> workers;
    for (size_t t = 1; t < size_t(threads); ++t)
        workers.emplace_back(runStretch, t);
    runStretch(0);
    for (auto& worker : workers)
        worker.join();
    if (error) std::rethrow_exception(error);
    Checkpoint& ck = p.summary.checkpoint;
    for (size_t i = 0; i < n; ++i) {
        const KeyMapping& m = p.work[i].mapping;
        model::TensorMap* target = m.component == kUnet ? &ck.unet
                                   : m.component == kVae
                                       ? &ck.vae
                                       : &ck.textEncoders.at(size_t(m.component - kTextEncoder)).weights;
        target->emplace(m.target, std::move(results[i]));
    }
}

} // namespace

ModelSummary inspectModel(const fs::path& path, const LoadOptions& options) {
    return prepare(path, options).summary;
}

bool isDiffusersFolder(const fs::path& path) {
    std::error_code ec;
    return fs::is_directory(path, ec) && fs::is_regular_file(path / "model_index.json", ec);
}

Checkpoint loadCheckpoint(const fs::path& path, const LoadOptions& options) {
    Prepared p = prepare(path, options);
    auto keep = [&](int component) {
        if (options.unetOnly) return component == kUnet;
        if (options.textEncodersOnly) return component >= kTextEncoder;
        return true;
    };
    p.work.erase(std::remove_if(p.work.begin(), p.work.end(),
                                [&](const Work& w) { return !keep(w.mapping.component); }),
                 p.work.end());
    materialize(p, options);
    return std::move(p.summary.checkpoint);
}

TensorMap loadStandaloneVae(const fs::path& file, const VaeConfig& config, const LoadOptions& options) {
    if (!fs::is_regular_file(file)) throw Error("VAE file not found: '" + file.string() + "'");
    Prepared p;
    p.summary.checkpoint.vaeConfig = config;
    p.stores.push_back(openTensorStore(file));
    KeyPlan plan = planStandaloneVaeKeys(p.stores.back()->shapes(), config);
    for (auto& m : plan.mappings)
        p.work.push_back({p.stores.back().get(), std::move(m)});
    validateComponent(p, kVae, expectedVaeKeys(config), file);
    materialize(p, options);
    return std::move(p.summary.checkpoint.vae);
}

TensorMap loadDiffusersComponent(const fs::path& componentDir, int component, const LoadOptions& options) {
    Prepared p;
    if (component >= kTextEncoder)
        p.summary.checkpoint.textEncoders.resize(size_t(component - kTextEncoder) + 1);
    p.stores.push_back(openComponentWeights(componentDir, options.dtype != torch::kFloat32 &&
                                                              options.dtype != torch::kFloat64));
    KeyPlan plan = planDiffusersKeys(p.stores.back()->shapes(), component);
    for (auto& m : plan.mappings)
        p.work.push_back({p.stores.back().get(), std::move(m)});
    materialize(p, options);
    Checkpoint& ck = p.summary.checkpoint;
    if (component == kUnet) return std::move(ck.unet);
    if (component == kVae) return std::move(ck.vae);
    return std::move(ck.textEncoders.back().weights);
}

} // namespace gesso::model
