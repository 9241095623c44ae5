// Image import/export through OpenImageIO (PNG exactness, 16-bit, linear EXR, TIFF, JPEG, WebP, PSD) and the
// generation metadata in PNG text chunks (AUTOMATIC1111 parameters, ComfyUI prompt).
#include "project_test_util.h"

#include "core/generation/sampler_names.h"
#include "core/imageio/image_codec.h"
#include "core/project/a1111_parameters.h"
#include "core/project/comfyui_prompt.h"
#include "core/project/compositing.h"
#include "core/project/image_import.h"
#include "core/project/picture_generation.h"
#include "core/runtime/error.h"
#include "gesso/build_config.h"

#include <OpenImageIO/imageio.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>

using namespace gesso;
using namespace gesso::project;

namespace {

struct PngChunk {
    std::string type;
    std::string data;
};

std::vector<PngChunk> pngChunks(const std::vector<uint8_t>& png) {
    std::vector<PngChunk> chunks;
    size_t at = 8;
    while (at + 12 <= png.size()) {
        const uint32_t length = (uint32_t(png[at]) << 24) | (uint32_t(png[at + 1]) << 16) |
                                (uint32_t(png[at + 2]) << 8) | png[at + 3];
        if (at + 12 + length > png.size()) break;
        chunks.push_back({std::string(png.begin() + at + 4, png.begin() + at + 8),
                          std::string(png.begin() + at + 8, png.begin() + at + 8 + length)});
        at += 12 + length;
    }
    return chunks;
}

std::vector<uint8_t> readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeWithOiio(const std::string& path, const OIIO::ImageSpec& spec, const void* data,
                   OIIO::TypeDesc type) {
    auto out = OIIO::ImageOutput::create(path);
    QVERIFY(out);
    QVERIFY(out->open(path, spec));
    QVERIFY(out->write_image(type, data));
    QVERIFY(out->close());
}

double meanAbsDiff(const ImageRgba8& a, const ImageRgba8& b, bool withAlpha = true) {
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) {
        if (!withAlpha && i % 4 == 3) continue;
        sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
        ++n;
    }
    return sum / n;
}

ImageRgba8 gradient(int w, int h) {
    ImageRgba8 image{w, h, std::vector<uint8_t>(size_t(w) * h * 4)};
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            uint8_t* p = image.pixel(x, y);
            p[0] = uint8_t(x * 255 / (w - 1));
            p[1] = uint8_t(y * 255 / (h - 1));
            p[2] = uint8_t((x + y) * 255 / (w + h - 2));
            p[3] = 255;
        }
    return image;
}

} // namespace

class TestProjectImages : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pngIsBitExactWithStraightAlpha();
    void parametersGoInATextChunk();
    void sixteenBitPngIsRounded();
    void linearExrIsEncodedToSrgb();
    void exportsTiffJpegWebp();
    void readsPsdComposite();
    void formatsA1111Parameters();
    void parsesA1111Parameters();
    void everySamplerReadsBackFromA1111Parameters();
    void parsesComfyUiPrompt();
    void exportAndImportCarrySettings();
    void exportDescribesTheVisibleGeneratedLayer();
};

void TestProjectImages::pngIsBitExactWithStraightAlpha() {
    const ImageRgba8 image = test::noiseImage(37, 23, 5);
    const auto decoded = imageio::decodeImage(imageio::encodePng(image), "png", "noise");
    QCOMPARE(decoded.image.width, 37);
    QCOMPARE(decoded.image.height, 23);
    QVERIFY2(decoded.image.pixels == image.pixels, "colour under partial/zero alpha must survive unchanged");
    ImageGray8 grey{5, 4, std::vector<uint8_t>(20)};
    for (int i = 0; i < 20; ++i)
        grey.pixels[i] = uint8_t(i * 13);
    const auto greyDecoded = imageio::decodeImage(imageio::encodePng(grey), "png", "grey").image;
    for (int i = 0; i < 20; ++i)
        QCOMPARE(greyDecoded.pixels[i * 4], grey.pixels[i]);
}

void TestProjectImages::parametersGoInATextChunk() {
    const std::string parameters =
        "a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1";
    const auto png = imageio::encodePng(ImageRgba8::filled(4, 4, 1, 2, 3, 255), {{"parameters", parameters}});
    bool found = false;
    for (const auto& chunk : pngChunks(png)) {
        QVERIFY2(chunk.type != "iTXt" && chunk.type != "zTXt",
                 "A1111 metadata must be an uncompressed tEXt chunk");
        if (chunk.type == "tEXt" && chunk.data == "parameters" + std::string(1, '\0') + parameters)
            found = true;
    }
    QVERIFY(found);
    QCOMPARE(imageio::decodeImage(png, "png", "p").text.at("parameters"), parameters);
}

void TestProjectImages::sixteenBitPngIsRounded() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("deep.png").toStdString();
    const ImageRgba8 reference = test::noiseImage(16, 8, 3);
    std::vector<uint16_t> deep(reference.pixels.size());
    for (size_t i = 0; i < deep.size(); ++i)
        deep[i] = uint16_t(reference.pixels[i] * 257 + (i % 3 == 0 ? 100 : 0));
    OIIO::ImageSpec spec(16, 8, 4, OIIO::TypeDesc::UINT16);
    spec.attribute("oiio:UnassociatedAlpha", 1);
    writeWithOiio(path, spec, deep.data(), OIIO::TypeDesc::UINT16);
    const auto decoded = imageio::readImageFile(path);
    QCOMPARE(decoded.sourceBits, 16);
    QVERIFY(decoded.image.pixels == reference.pixels); // +100/65535 rounds back to the same 8-bit value
}

void TestProjectImages::linearExrIsEncodedToSrgb() {
    QTemporaryDir dir;
    for (auto type : {OIIO::TypeDesc::FLOAT, OIIO::TypeDesc::HALF}) {
        const std::string path =
            dir.filePath(type == OIIO::TypeDesc::FLOAT ? "f.exr" : "h.exr").toStdString();
        // linear 0.21586 is sRGB 128/255; 0.0031308 is the toe (0.04045 -> 10); 0.5 -> 0.7354 (188); 1.0 ->
        // 255; EXR alpha is premultiplied: 0.10793 with alpha 0.5 is 0.21586 again. Out-of-range values
        // clamp.
        const std::vector<float> pixels = {0.0f,     0.0031308f, 0.21586f, 1.0f, 1.0f, 0.5f,  0.0f, 1.0f,
                                           0.10793f, 0.10793f,   0.10793f, 0.5f, 4.0f, -1.0f, 0.0f, 1.0f};
        OIIO::ImageSpec spec(4, 1, 4, type);
        writeWithOiio(path, spec, pixels.data(), OIIO::TypeDesc::FLOAT);
        const auto decoded = imageio::readImageFile(path);
        QVERIFY(decoded.convertedFromLinear);
        const auto& p = decoded.image.pixels;
        const std::vector<int> got(p.begin(), p.end());
        const std::vector<int> expected = {0,   10,  128, 255, 255, 188, 0, 255,
                                           128, 128, 128, 128, 255, 0,   0, 255};
        qInfo("%s EXR -> sRGB8: %d %d %d %d | %d %d %d %d | %d %d %d %d",
              decoded.sourceBits == 32 ? "float" : "half", got[0], got[1], got[2], got[3], got[4], got[5],
              got[6], got[7], got[8], got[9], got[10], got[11]);
        for (size_t i = 0; i < expected.size(); ++i)
            QVERIFY2(std::abs(got[i] - expected[i]) <= (type == OIIO::TypeDesc::HALF ? 1 : 0),
                     ("channel " + std::to_string(i) + ": " + std::to_string(got[i]) + " vs " +
                      std::to_string(expected[i]))
                         .c_str());
    }
}

void TestProjectImages::exportsTiffJpegWebp() {
    QTemporaryDir dir;
    Project project;
    project.width = 64;
    project.height = 48;
    ImageRgba8 image = gradient(64, 48);
    image.pixel(0, 0)[3] = 0; // one transparent pixel
    project.layers.push_back({1, "g", true, 1.0, false, 0, 0, image});
    for (const char* ext : {"tif", "png", "webp", "jpg"}) {
        const std::string path = dir.filePath(QString("out.") + ext).toStdString();
        exportFlattened(project, path);
        const auto decoded = imageio::readImageFile(path);
        QCOMPARE(decoded.image.width, 64);
        QCOMPARE(decoded.image.height, 48);
        ImageRgba8 expected = image;
        if (std::string(ext) == "jpg") { // composited over white, no alpha
            expected.pixel(0, 0)[0] = expected.pixel(0, 0)[1] = expected.pixel(0, 0)[2] = 255;
            expected.pixel(0, 0)[3] = 255;
        }
        const double error = meanAbsDiff(decoded.image, expected, std::string(ext) != "webp");
        qInfo("export %s (%s): mean |diff| %.3f", ext, decoded.format.c_str(), error);
        if (std::string(ext) == "tif" || std::string(ext) == "png")
            QVERIFY(decoded.image.pixels == expected.pixels);
        else
            QVERIFY(error < 3.0);
    }
    QVERIFY_THROWS_EXCEPTION(Error, exportFlattened(project, dir.filePath("out.xyz").toStdString()));
}

void TestProjectImages::readsPsdComposite() {
    // A minimal PSD (RGB, 8 bit, raw image data = the flattened composite), as the spec lays it out.
    const int w = 3, h = 2;
    std::vector<uint8_t> psd = {'8', 'B', 'P', 'S', 0,          1, 0, 0, 0,          0, 0, 0, 0,
                                3,   0,   0,   0,   uint8_t(h), 0, 0, 0, uint8_t(w), 0, 8, 0, 3};
    for (int i = 0; i < 3; ++i)
        psd.insert(psd.end(), {0, 0, 0, 0}); // colour mode, resources, layers: empty
    psd.insert(psd.end(), {0, 0});           // raw image data, planar
    const uint8_t planes[3][6] = {{255, 0, 0, 10, 20, 30}, {0, 255, 0, 40, 50, 60}, {0, 0, 255, 70, 80, 90}};
    for (const auto& plane : planes)
        psd.insert(psd.end(), plane, plane + 6);
    QTemporaryDir dir;
    const std::string path = dir.filePath("flat.psd").toStdString();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(psd.data()), long(psd.size()));
    const ImportedImage imported = importImage(path);
    QCOMPARE(imported.format, std::string("psd"));
    QCOMPARE(imported.image.width, w);
    const uint8_t* p = imported.image.pixel(1, 1);
    QCOMPARE((std::vector<int>{p[0], p[1], p[2], p[3]}), (std::vector<int>{20, 50, 80, 255}));
    const uint8_t* q = imported.image.pixel(2, 0);
    QCOMPARE((std::vector<int>{q[0], q[1], q[2], q[3]}), (std::vector<int>{0, 0, 255, 255}));
}

void TestProjectImages::formatsA1111Parameters() {
    generation::GenerationSettings r;
    r.prompt = "a cat, oil painting";
    r.negativePrompt = "blurry";
    r.steps = 30;
    r.sampler = "dpmpp_2m_karras";
    r.guidance = 7.5;
    r.width = 512;
    r.height = 768;
    const std::string text = formatA1111Parameters(r, 1234, "sd15: v1", "6ce0161689");
    qInfo("%s", text.c_str());
    QCOMPARE(text,
             std::string("a cat, oil painting\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M, "
                         "Schedule type: Karras, "
                         "CFG scale: 7.5, Seed: 1234, Size: 512x768, Model hash: 6ce0161689, Model: \"sd15: "
                         "v1\", Version: Gesso ") +
                 GESSO_VERSION_STRING);
    r.mode = generation::Mode::Inpaint;
    r.strength = 0.6;
    r.clipSkip = 2;
    const A1111Parameters parsed = parseA1111Parameters(formatA1111Parameters(r, -5, "", ""));
    const generation::GenerationSettings back = parsed.applyTo({});
    QCOMPARE(back.prompt, r.prompt);
    QCOMPARE(back.negativePrompt, r.negativePrompt);
    QCOMPARE(back.steps, 30);
    QCOMPARE(back.sampler, std::string("dpmpp_2m_karras"));
    QCOMPARE(back.guidance, 7.5);
    QCOMPARE(back.seed, int64_t(-5));
    QCOMPARE(back.width, 512);
    QCOMPARE(back.height, 768);
    QCOMPARE(back.strength, 0.6);
    QCOMPARE(back.clipSkip, 2);
    QVERIFY(back.mode == generation::Mode::Inpaint);
    QVERIFY(!parsed.modelName);
    QVERIFY(parsed.warnings.empty());

    // The hires fix, under A1111's names; an upscaler file is named by its stem.
    generation::GenerationSettings h;
    h.hiresScale = 2;
    h.hiresStrength = 0.55;
    h.hiresSteps = 10;
    h.hiresUpscaler = "Latent (bicubic antialiased)";
    const std::string hiresText = formatA1111Parameters(h, 7, "", "");
    QVERIFY2(hiresText.find("Denoising strength: 0.55, Hires upscale: 2, Hires steps: 10, Hires upscaler: "
                            "Latent (bicubic antialiased)") != std::string::npos,
             hiresText.c_str());
    const auto hiresBack = parseA1111Parameters(hiresText).applyTo({});
    QVERIFY(hiresBack.mode == generation::Mode::Txt2Img);
    QCOMPARE(hiresBack.hiresScale, 2.0);
    QCOMPARE(hiresBack.hiresStrength, 0.55);
    QCOMPARE(hiresBack.hiresSteps, 10);
    QCOMPARE(hiresBack.hiresUpscaler, h.hiresUpscaler);
    h.hiresSteps = 0;
    h.hiresUpscaler = "/models/upscalers/4x-UltraSharp.pth";
    const std::string fileText = formatA1111Parameters(h, 7, "", "");
    QVERIFY2(fileText.find("Hires upscale: 2, Hires upscaler: 4x-UltraSharp,") != std::string::npos,
             fileText.c_str());
    QCOMPARE(parseA1111Parameters(fileText).applyTo({}).hiresSteps, 0);
    h.hiresScale = 0;
    QVERIFY(formatA1111Parameters(h, 7, "", "").find("Hires") == std::string::npos);
}

void TestProjectImages::everySamplerReadsBackFromA1111Parameters() {
    for (const auto& id : generation::allSamplerIds()) {
        generation::GenerationSettings r;
        r.sampler = id;
        const std::string text = formatA1111Parameters(r, 1, "", "");
        const A1111Parameters parsed = parseA1111Parameters(text);
        QVERIFY2(parsed.warnings.empty(), text.c_str());
        QCOMPARE(parsed.applyTo({}).sampler, id);
    }
    // The forms A1111 wrote before 1.9 and the ones without a schedule.
    QCOMPARE(samplerIdFromA1111("DPM++ 2M SDE Karras", ""),
             std::optional<std::string>("dpmpp_2m_sde_karras"));
    QCOMPARE(samplerIdFromA1111("DPM++ 2M SDE Exponential", ""),
             std::optional<std::string>("dpmpp_2m_sde_exponential"));
    QCOMPARE(samplerIdFromA1111("LMS Karras", ""), std::optional<std::string>("lms_karras"));
    QCOMPARE(samplerIdFromA1111("DPM2 a", ""), std::optional<std::string>("kdpm2_a"));
    QCOMPARE(samplerIdFromA1111("DPM++ 2M", ""), std::optional<std::string>("dpmpp_2m"));
    QCOMPARE(samplerIdFromA1111("DPM++ SDE", ""), std::optional<std::string>("dpmpp_sde_karras"));
    QCOMPARE(samplerIdFromA1111("PNDM", ""), std::optional<std::string>("pndm"));
    // A1111 >= 1.9: "Automatic" is Karras for DPM++ 2M and Exponential for DPM++ 2M SDE.
    QCOMPARE(samplerIdFromA1111("DPM++ 2M", "Automatic"), std::optional<std::string>("dpmpp_2m_karras"));
    QCOMPARE(samplerIdFromA1111("DPM++ 2M SDE", "Automatic"),
             std::optional<std::string>("dpmpp_2m_sde_exponential"));
    QCOMPARE(samplerIdFromA1111("Euler", "SGM Uniform"), std::optional<std::string>("euler_sgm_uniform"));
    QCOMPARE(samplerIdFromA1111("Euler a", "Automatic"), std::optional<std::string>("euler_a"));
    QVERIFY(!samplerIdFromA1111("DPM fast", ""));
    QVERIFY(!samplerIdFromA1111("Heun", "Polyexponential"));
}

void TestProjectImages::parsesA1111Parameters() {
    // As A1111 1.10 writes it: multi-line prompts, "Schedule type", quoted values with commas and colons.
    const std::string text =
        "masterpiece, 1girl,\n(red hair:1.2)\nNegative prompt: lowres,\nbad hands\n"
        "Steps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6, Seed: 3141592653, Size: 640x832, "
        "Model hash: e6bb9ea85b, Model: sdxl_base, Denoising strength: 0.45, Clip skip: 2, "
        "Lora hashes: \"detail: 1a2b, style: 3c4d\", Hires upscale: 1.5, Version: v1.10.1";
    const A1111Parameters p = parseA1111Parameters(text);
    QCOMPARE(p.prompt, std::string("masterpiece, 1girl,\n(red hair:1.2)"));
    QCOMPARE(p.negativePrompt, std::string("lowres,\nbad hands"));
    QCOMPARE(*p.steps, 25);
    QCOMPARE(*p.sampler, std::string("dpmpp_2m_karras"));
    QCOMPARE(*p.cfgScale, 6.0);
    QCOMPARE(*p.seed, int64_t(3141592653LL));
    QCOMPARE(*p.width, 640);
    QCOMPARE(*p.height, 832);
    QCOMPARE(*p.modelHash, std::string("e6bb9ea85b"));
    QCOMPARE(*p.modelName, std::string("sdxl_base"));
    QCOMPARE(*p.denoisingStrength, 0.45);
    QCOMPARE(*p.clipSkip, 2);
    QCOMPARE(*p.field("Lora hashes"), std::string("detail: 1a2b, style: 3c4d"));
    QCOMPARE(*p.field("Version"), std::string("v1.10.1"));
    // A txt2img hires fix, as A1111 writes it: "Denoising strength" is the second pass's.
    const generation::GenerationSettings hires = p.applyTo({});
    QVERIFY(hires.mode == generation::Mode::Txt2Img);
    QCOMPARE(hires.hiresScale, 1.5);
    QCOMPARE(hires.hiresStrength, 0.45);
    QCOMPARE(hires.strength, generation::GenerationSettings{}.strength);
    QVERIFY(parseA1111Parameters("x\nSteps: 2, Seed: 3, Denoising strength: 0.4").applyTo({}).mode ==
            generation::Mode::Img2Img);

    // Only a prompt (no settings line), an unknown sampler, bad numbers: no throw, warnings instead.
    QCOMPARE(parseA1111Parameters("just a prompt").prompt, std::string("just a prompt"));
    const A1111Parameters odd = parseA1111Parameters("x\nSteps: many, Sampler: DPM fast, Seed: 12, Size: 5x");
    QVERIFY(!odd.steps && !odd.sampler && odd.seed && !odd.width);
    QCOMPARE(odd.warnings.size(), size_t(3));
    // Long hostile input: no stack overflow, bounded time.
    std::string hostile = "p\nSteps: 1, Seed: 2, Lora: \"" + std::string(2'000'000, '\\') + "\"";
    hostile += ", " + std::string(500'000, 'a') + ": " + std::string(100'000, ',');
    const A1111Parameters survived = parseA1111Parameters(hostile);
    QCOMPARE(*survived.steps, 1);
}

void TestProjectImages::parsesComfyUiPrompt() {
    const std::string graph = R"({
      "3": {"class_type": "KSampler", "inputs": {"seed": 156680208700286, "steps": 20, "cfg": 8,
            "sampler_name": "dpmpp_2m", "scheduler": "karras", "denoise": 1, "model": ["10", 0],
            "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
      "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
      "10": {"class_type": "LoraLoader", "inputs": {"model": ["4", 0], "clip": ["4", 1]}},
      "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 640, "batch_size": 1}},
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "beautiful scenery", "clip": ["4", 1]}},
      "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}}
    })";
    const auto p = generationParametersFromText({{"prompt", graph}});
    QVERIFY(p);
    QCOMPARE(p->prompt, std::string("beautiful scenery"));
    QCOMPARE(p->negativePrompt, std::string("text, watermark"));
    QCOMPARE(*p->seed, int64_t(156680208700286LL));
    QCOMPARE(*p->steps, 20);
    QCOMPARE(*p->cfgScale, 8.0);
    QCOMPARE(*p->sampler, std::string("dpmpp_2m_karras"));
    QCOMPARE(*p->width, 512);
    QCOMPARE(*p->height, 640);
    QCOMPARE(*p->modelName, std::string("v1-5-pruned-emaonly.safetensors"));
    QVERIFY(!p->denoisingStrength);
    QVERIFY(!generationParametersFromText({{"prompt", "not json {"}}));
    QVERIFY(!generationParametersFromText({{"prompt", "[1, 2]"}}));
    QVERIFY(!generationParametersFromText({{"Comment", "hello"}}));
}

void TestProjectImages::exportAndImportCarrySettings() {
    QTemporaryDir dir;
    Project project = test::sampleProject();
    // The visible generated layer came from the img2img run, whose entry has no stored text: it is
    // formatted from its request, seed and model.
    project.layers[0].generationId = project.history.back().id;
    project.layers[0].generationParameters = generationParametersText(project.history.back());
    const std::string path = dir.filePath("render.png").toStdString();
    exportFlattened(project, path);
    const std::string expected = project.layers[0].generationParameters;
    QVERIFY(expected.find("Seed: -1") != std::string::npos);
    QVERIFY(expected.find("Model: sd15") != std::string::npos);
    bool found = false;
    for (const auto& chunk : pngChunks(readAll(path)))
        if (chunk.type == "tEXt" && chunk.data == "parameters" + std::string(1, '\0') + expected)
            found = true;
    QVERIFY(found);

    const ImportedImage imported = importImage(path);
    QVERIFY(imported.parameters);
    QCOMPARE(imported.name, std::string("render"));
    const Project reopened = projectFromImage(imported);
    QCOMPARE(reopened.width, project.width);
    QCOMPARE(reopened.layers.size(), size_t(1));
    QVERIFY(reopened.layers[0].image.pixels ==
            flatten(OraImage{project.width,
                             project.height,
                             72,
                             72,
                             [&] {
                                 std::vector<OraLayer> layers;
                                 for (const auto& l : project.layers)
                                     layers.push_back({l.name, l.visible, l.opacity, l.x, l.y, "svg:src-over",
                                                       l.image, ""});
                                 return layers;
                             }(),
                             {}})
                .pixels);
    const auto& restored = reopened.settings;
    QCOMPARE(restored.prompt, project.history.back().settings.prompt);
    QCOMPARE(restored.negativePrompt, project.history.back().settings.negativePrompt);
    QCOMPARE(restored.steps, 28);
    QCOMPARE(restored.sampler, std::string("dpmpp_2m_karras"));
    QCOMPARE(restored.strength, 0.6);
    QVERIFY(restored.mode == generation::Mode::Img2Img);

    // As a layer of another project.
    Project other = test::sampleProject();
    const uint64_t id = addImageLayer(other, imported, 5, 6);
    QCOMPARE(other.layers.front().id, id);
    QCOMPARE(other.layers.front().x, 5);
    QVERIFY(id > 7);
}

// The PNG's parameters are those of the generated layer the picture shows, never simply the last job.
void TestProjectImages::exportDescribesTheVisibleGeneratedLayer() {
    QTemporaryDir dir;
    Project project = test::sampleProject();
    auto parametersOf = [&](const std::string& name) -> std::optional<std::string> {
        const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
        exportFlattened(project, path);
        for (const auto& chunk : pngChunks(readAll(path)))
            if (chunk.type == "tEXt" && chunk.data.rfind("parameters", 0) == 0)
                return chunk.data.substr(std::string("parameters").size() + 1);
        return std::nullopt;
    };
    // The selected layer (3) is hidden: the topmost visible generated layer (7) describes the picture.
    QCOMPARE(parametersOf("a.png"), std::optional(project.layers[0].generationParameters));
    QVERIFY(project.layers[0].generationParameters.find("Seed: 43") != std::string::npos);
    // Shown and generated, the selected layer wins.
    project.layers[1].visible = true;
    project.layers[1].generationParameters = "a sketch\nSteps: 4, Seed: 5";
    QCOMPARE(parametersOf("b.png"), std::optional<std::string>("a sketch\nSteps: 4, Seed: 5"));
    // Nothing generated visible: no parameters at all, although the history has generations.
    project.layers[1].generationParameters.clear();
    project.layers[0].opacity = 0.0;
    QVERIFY(!project.history.empty());
    QCOMPARE(pictureParameters(project), std::string());
    QVERIFY(!parametersOf("c.png"));
}

QTEST_GUILESS_MAIN(TestProjectImages)
#include "test_project_images.moc"
