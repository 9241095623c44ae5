#!/usr/bin/env python3
"""Writes the committed seed corpora under fuzz/corpus/<target>/ (small, realistic inputs).

    python3 fuzz/make_seeds.py [--reference ../shared/reference/models]

Needs only the standard library: PyTorch checkpoints are built the way torch.save writes them (a zip with
<top>/data.pkl pickled with protocol 2, <top>/data/<key>, <top>/byteorder, <top>/version) from stand-in
torch classes registered under their real module names, so the pickle references torch.FloatStorage,
torch._utils._rebuild_tensor_v2 and collections.OrderedDict exactly as a real checkpoint does. Model and
scheduler configs are minified copies of the tiny reference models' config.json files when --reference
points at them (a few hundred bytes each), plus hand-written variants. Re-running rewrites the same files.
"""
import argparse
import collections
import io
import json
import pathlib
import pickle
import struct
import sys
import types
import zipfile
import zlib

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus"


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    assert len(data) < 64 * 1024, (target, name, len(data))
    if any(f.name != name and f.read_bytes() == data for f in d.iterdir()):
        return  # the same bytes are already a seed (identical reference configs)
    (d / name).write_bytes(data)


# --- stand-in torch for pickling -------------------------------------------------------------------------
torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")
torch._utils = torch_utils
sys.modules.setdefault("torch", torch)
sys.modules.setdefault("torch._utils", torch_utils)


def _global(module, name, obj):
    obj.__module__ = module
    obj.__qualname__ = name
    obj.__name__ = name
    setattr(sys.modules[module], name, obj)
    return obj


def _rebuild_tensor_v2(*args):
    raise NotImplementedError


def _rebuild_parameter(*args):
    raise NotImplementedError


_global("torch._utils", "_rebuild_tensor_v2", _rebuild_tensor_v2)
_global("torch._utils", "_rebuild_parameter", _rebuild_parameter)
STORAGE_TYPES = {}
for _name, _fmt in [("FloatStorage", "f"), ("HalfStorage", "e"), ("BFloat16Storage", "H"),
                    ("DoubleStorage", "d"), ("LongStorage", "q"), ("IntStorage", "i"), ("ByteStorage", "B"),
                    ("BoolStorage", "?")]:
    STORAGE_TYPES[_name] = (_global("torch", _name, type(_name, (), {})), _fmt)


class Storage:
    def __init__(self, type_name, key, values):
        self.type, self.fmt = STORAGE_TYPES[type_name]
        self.key = key
        self.values = values

    def bytes(self):
        return struct.pack("<%d%s" % (len(self.values), self.fmt), *self.values)


class Tensor:
    def __init__(self, storage, size, stride=None, offset=0):
        self.storage, self.size, self.offset = storage, tuple(size), offset
        if stride is None:
            stride, s = [], 1
            for d in reversed(size):
                stride.insert(0, s)
                s *= d
        self.stride = tuple(stride)

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor_v2,
                (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict()))


class Parameter:
    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.tensor, True, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.type, obj.key, "cpu", len(obj.values))
        return None


def torch_pickle(obj):
    buffer = io.BytesIO()
    TorchPickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def storages_of(obj, out):
    if isinstance(obj, Parameter):
        storages_of(obj.tensor, out)
    elif isinstance(obj, Tensor):
        out[obj.storage.key] = obj.storage
    elif isinstance(obj, dict):
        for v in obj.values():
            storages_of(v, out)
    return out


def entry(name):
    return zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))  # fixed time: reproducible seeds


def torch_zip(obj, top="archive", compress=False):
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as z:
        z.writestr(entry(top + "/data.pkl"), torch_pickle(obj), method)
        z.writestr(entry(top + "/byteorder"), "little", method)
        for key, storage in sorted(storages_of(obj, {}).items()):
            z.writestr(entry(top + "/data/" + key), storage.bytes(), method)
        z.writestr(entry(top + "/version"), "3\n", method)
    return buffer.getvalue()


class LegacyTorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.type, obj.key, "cpu", len(obj.values), None)
        return None


def torch_legacy(obj):
    """torch.save with _use_new_zipfile_serialization=False (pre-1.6): magic number, protocol, sys_info, the
    object, its sorted storage keys as pickles, then each storage's int64 element count and raw bytes."""
    buffer = io.BytesIO()
    for header in (0x1950a86a20f9469cfc6c, 1001,
                   {"protocol_version": 1001, "little_endian": True,
                    "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, buffer, protocol=2)
    LegacyTorchPickler(buffer, protocol=2).dump(obj)
    storages = storages_of(obj, {})
    keys = sorted(storages)
    pickle.dump(keys, buffer, protocol=2)
    for key in keys:
        buffer.write(struct.pack("<q", len(storages[key].values)))
        buffer.write(storages[key].bytes())
    return buffer.getvalue()


def torch_seeds():
    w = Storage("FloatStorage", "0", [0.5, -1.0, 2.0, 0.25, 1.5, -0.75])
    b = Storage("HalfStorage", "1", [0.1, 0.2, 0.3])
    sd = collections.OrderedDict()
    sd["model.diffusion_model.input_blocks.0.0.weight"] = Tensor(w, [2, 3])
    sd["model.diffusion_model.input_blocks.0.0.bias"] = Tensor(b, [3])
    sd["first_stage_model.post_quant_conv.weight"] = Tensor(w, [2], stride=[2], offset=1)  # shared storage view
    sd["cond_stage_model.transformer.text_model.embeddings.position_ids"] = Tensor(
        Storage("LongStorage", "2", [0, 1, 2, 3]), [1, 4])
    write("fuzz_unpickler", "state_dict.pkl", torch_pickle(sd))
    write("fuzz_torch_zip", "state_dict.ckpt", torch_zip(sd))
    # An old ESRGAN upscaler's layout, saved the pre-1.6 way (legacy stream).
    esrgan = collections.OrderedDict()
    esrgan["model.0.weight"] = Tensor(Storage("FloatStorage", "140213", [0.5] * 12), [2, 3, 1, 2])
    esrgan["model.0.bias"] = Tensor(Storage("FloatStorage", "140977", [0.0, 0.1]), [2])
    esrgan["model.1.sub.0.RDB1.conv1.0.weight"] = Tensor(esrgan["model.0.weight"].storage, [6], offset=6)
    write("fuzz_torch_legacy", "esrgan_old.pth", torch_legacy(esrgan))
    write("fuzz_torch_legacy", "params_ema.pth", torch_legacy({"params_ema": esrgan}))

    # A Lightning checkpoint: a plain dict around "state_dict", with non-tensor values to drop.
    inner = collections.OrderedDict()
    inner["model.diffusion_model.out.2.weight"] = Parameter(Tensor(Storage("BFloat16Storage", "0", [16256, 16384]), [2]))
    inner["model.alphas_cumprod"] = Tensor(Storage("DoubleStorage", "1", [0.99, 0.98]), [2])
    inner["model_ema.decay"] = Tensor(Storage("FloatStorage", "2", [0.9999]), [])
    inner["model.diffusion_model.mask"] = Tensor(Storage("BoolStorage", "3", [True, False]), [2])
    lightning = {"epoch": 6, "global_step": 840001, "pytorch-lightning_version": "1.4.2",
                 "callbacks": {}, "state_dict": inner, "optimizer_states": [], "lr_schedulers": []}
    write("fuzz_unpickler", "lightning.pkl", torch_pickle(lightning))
    write("fuzz_torch_zip", "lightning.ckpt", torch_zip(lightning, top="last"))

    # Nested dicts (flattened with '.'), an empty tensor, a deflated archive as some tools write.
    nested = collections.OrderedDict()
    nested["text_model"] = collections.OrderedDict(
        [("embeddings.token_embedding.weight", Tensor(Storage("FloatStorage", "5", [1.0] * 8), [4, 2])),
         ("final_layer_norm.bias", Tensor(Storage("FloatStorage", "6", []), [0]))])
    nested["logit_scale"] = Tensor(Storage("IntStorage", "7", [4]), [1])
    write("fuzz_unpickler", "nested.pkl", torch_pickle(nested))
    write("fuzz_torch_zip", "nested_deflate.pt", torch_zip(nested, top="pytorch_model", compress=True))


# --- safetensors ---------------------------------------------------------------------------------------
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    write("fuzz_safetensors_header", "sd15_like.safetensors", safetensors({
        "model.diffusion_model.input_blocks.0.0.weight": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
        "model.diffusion_model.input_blocks.0.0.bias": ("F16", [2], struct.pack("<2e", 0.5, -0.5)),
    }, {"format": "pt"}))
    write("fuzz_safetensors_header", "dtypes.safetensors", safetensors({
        "a": ("BF16", [1], b"\x80\x3f"), "b": ("I64", [1, 1], struct.pack("<q", 7)),
        "c": ("U8", [3], b"\x01\x02\x03"), "d": ("BOOL", [1], b"\x01"), "e": ("F8_E4M3", [2], b"\x38\x40"),
        "f": ("F64", [], struct.pack("<d", 2.5)), "g": ("I32", [0], b""),
    }, {"modelspec.title": "fuzz", "ss_network_dim": "4"}))
    write("fuzz_safetensors_header", "empty.safetensors", safetensors({}, {}))


# --- the model library ---------------------------------------------------------------------------------
def zeros(dtype, shape):
    n = 1
    for d in shape:
        n *= d
    return (dtype, shape, b"\0" * (n * {"F32": 4, "F16": 2}[dtype]))


def library_seeds():
    t = "fuzz_model_classify"
    write(t, "lora_kohya.safetensors", safetensors({
        "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight": zeros("F16", [4, 8]),
        "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight": zeros("F16", [8, 4]),
        "lora_unet_down_blocks_0_attentions_0_proj_in.alpha": zeros("F16", []),
        "lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight": zeros("F16", [4, 16]),
    }, {"ss_network_dim": "4", "ss_base_model_version": "sd_v1", "ss_network_module": "networks.lora"}))
    write(t, "lycoris_loha.safetensors", safetensors({
        "lora_unet_mid_block_attentions_0_proj_out.hada_w1_a": zeros("F16", [8, 2]),
        "lora_unet_mid_block_attentions_0_proj_out.hada_w1_b": zeros("F16", [2, 8]),
        "lora_unet_mid_block_attentions_0_proj_out.hada_w2_a": zeros("F16", [8, 2]),
        "lora_unet_mid_block_attentions_0_proj_out.hada_w2_b": zeros("F16", [2, 8]),
        "lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lokr_w1": zeros("F16", [2, 2]),
    }, {"modelspec.architecture": "stable-diffusion-xl-v1-base/lora"}))
    write(t, "lora_diffusers.safetensors", safetensors({
        "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora.down.weight": zeros("F32", [4, 8]),
        "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora.up.weight": zeros("F32", [8, 4]),
    }))
    write(t, "embedding_sdxl.safetensors", safetensors({"clip_l": zeros("F32", [2, 8]), "clip_g": zeros("F32", [2, 16])}))
    write(t, "embedding_a1111.safetensors", safetensors({"emb_params": zeros("F32", [3, 8])}))
    write(t, "vae.safetensors", safetensors({
        "encoder.conv_in.weight": zeros("F16", [4, 3, 3, 3]), "decoder.conv_out.weight": zeros("F16", [3, 4, 3, 3]),
        "quant_conv.weight": zeros("F16", [8, 8, 1, 1]), "post_quant_conv.weight": zeros("F16", [4, 4, 1, 1]),
    }))
    write(t, "taesd_decoder.safetensors", safetensors({
        "1.weight": zeros("F16", [4, 4, 3, 3]), "3.conv.0.weight": zeros("F16", [4, 4, 3, 3]),
        "18.weight": zeros("F16", [3, 4, 3, 3]),
    }))
    write(t, "esrgan_new_arch.safetensors", safetensors({
        "conv_first.weight": zeros("F16", [4, 3, 3, 3]),
        "body.0.rdb1.conv1.weight": zeros("F16", [2, 4, 3, 3]),
        "conv_up1.weight": zeros("F16", [4, 4, 3, 3]), "conv_last.weight": zeros("F16", [3, 4, 3, 3]),
    }))
    write(t, "checkpoint_sd1.safetensors", safetensors({
        "model.diffusion_model.input_blocks.0.0.weight": zeros("F16", [8, 4, 3, 3]),
        "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight": zeros("F16", [8, 16]),
        "cond_stage_model.transformer.text_model.final_layer_norm.weight": zeros("F16", [16]),
        "first_stage_model.decoder.conv_out.weight": zeros("F16", [3, 4, 3, 3]),
    }))
    lora = collections.OrderedDict()
    lora["lora_unet_up_blocks_1_attentions_0_proj_in.lora_down.weight"] = Tensor(
        Storage("HalfStorage", "0", [0.0] * 8), [2, 4])
    lora["lora_unet_up_blocks_1_attentions_0_proj_in.alpha"] = Tensor(Storage("FloatStorage", "1", [4.0]), [])
    write(t, "lora.pt", torch_zip(lora))
    emb = {"string_to_token": {"*": 265}, "string_to_param": {"*": Tensor(Storage("FloatStorage", "0", [0.0] * 16), [2, 8])},
           "name": "style", "step": 3000}
    write(t, "embedding.pt", torch_zip(emb))
    # Legacy torch.save: magic number, protocol, sys_info, the object, then the storage keys and their bytes.
    esrgan = collections.OrderedDict()
    esrgan["model.0.weight"] = Tensor(Storage("FloatStorage", "0", [0.0] * 4), [4])
    esrgan["model.1.sub.0.RDB1.conv1.0.weight"] = Tensor(Storage("FloatStorage", "1", [0.0] * 4), [4])
    legacy = (pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2)
              + pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2) + torch_pickle(esrgan)
              + pickle.dumps(["0", "1"], protocol=2))
    write(t, "esrgan_legacy.pth", legacy)

    write("fuzz_extra_model_paths", "comfyui_example.yaml", """\
a111:
    base_path: ~/stable-diffusion-webui/
    checkpoints: models/Stable-diffusion
    configs: models/Stable-diffusion
    vae: models/VAE
    loras: |
         models/Lora
         models/LyCORIS
    upscale_models: |
                  models/ESRGAN
                  models/RealESRGAN
                  models/SwinIR
    embeddings: embeddings
    hypernetworks: models/hypernetworks
    controlnet: models/ControlNet

comfyui:
    base_path: $HOME/ComfyUI/
    is_default: true
    checkpoints: models/checkpoints/
    clip: models/clip/
    diffusers: models/diffusers
    vae_approx: models/vae_approx
""")
    write("fuzz_extra_model_paths", "relative.yaml", "other:\n  checkpoints: ../shared/ckpt\n  loras: [a, b]\n")

    tree = [
        {"type": "directory", "oid": "a" * 40, "path": "unet"},
        {"type": "file", "oid": "b" * 40, "size": 1092, "path": "model_index.json"},
        {"type": "file", "oid": "c" * 40, "size": 134, "path": "unet/diffusion_pytorch_model.safetensors",
         "lfs": {"oid": "d" * 64, "size": 3438167536, "pointerSize": 135}},
    ]
    write("fuzz_repo_tree", "tree.json", json.dumps(tree))
    write("fuzz_repo_tree", "link.txt",
          '<https://huggingface.co/api/models/a/b/tree/main?cursor=ZXlKbWFXeGw&recursive=true>; rel="next"')


# --- OpenRaster ----------------------------------------------------------------------------------------
def png(width, height, rgba):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\x00" + bytes(rgba) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def ora(stack_xml, layers, extra=(), mimetype=b"image/openraster"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(entry("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        z.writestr(entry("stack.xml"), stack_xml, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in layers:
            z.writestr(entry(name), data, compress_type=zipfile.ZIP_STORED)
        for name, data in extra:
            z.writestr(entry(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def ora_seeds():
    red, blue = png(2, 2, [255, 0, 0, 255]), png(1, 1, [0, 0, 255, 128])
    write("fuzz_openraster", "one_layer.ora", ora(
        '<?xml version="1.0" encoding="UTF-8"?>\n<image version="0.0.6" w="2" h="2" xres="72" yres="72">'
        '<stack><layer name="Background" src="data/layer0.png" x="0" y="0" opacity="1" visibility="visible" '
        'composite-op="svg:src-over"/></stack></image>',
        [("data/layer0.png", red)], [("mergedimage.png", red), ("Thumbnails/thumbnail.png", red)]))
    write("fuzz_openraster", "nested_stacks.ora", ora(
        '<?xml version="1.0"?><image w="4" h="3"><stack>'
        '<stack name="group" x="1" y="1" opacity="0.5" visibility="hidden">'
        '<layer name="inner" src="data/b.png" x="1" y="0" opacity="0.8"/></stack>'
        '<layer name="vector" src="data/shape.svg"/>'
        '<layer name="multiply" src="data/a.png" composite-op="svg:multiply"/>'
        '</stack></image>',
        [("data/a.png", red), ("data/b.png", blue), ("data/shape.svg", b"<svg/>")]))
    project = json.dumps({"format_version": 1, "active_layer": 0,
                          "layers": [{"src": "data/layer0.png", "id": 1, "locked": False}]})
    write("fuzz_openraster", "gesso_project.ora", ora(
        '<image version="0.0.6" w="2" h="2"><stack><layer name="Layer 1" src="data/layer0.png"/></stack></image>',
        [("data/layer0.png", red), ("gesso/mask.png", png(2, 2, [255, 255, 255, 255]))],
        [("gesso/project.json", project)], mimetype=b"image/openraster\n"))


# --- PNG text chunks -----------------------------------------------------------------------------------
A1111 = [
    "masterpiece, best quality, (a cat:1.2) sitting on a [wooden] chair, <lora:detail:0.6>\n"
    "Negative prompt: blurry, lowres, (worst quality:1.4)\n"
    "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234567890, Size: 512x768, "
    "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Clip skip: 2, Version: v1.6.0",
    "a photo of an astronaut riding a horse on mars\n"
    "Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5.5, Seed: -1, Size: 1024x1024, "
    "Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Denoising strength: 0.35, Mask blur: 4, "
    "Inpaint area: Only masked, Masked area padding: 32, "
    "Lora hashes: \"detail: 3d9a6d2e1b7c, style: 0123456789ab\", TI hashes: \"easynegative: c74b4e810b\", "
    "Version: v1.9.4",
    "portrait,\nmultiline prompt with: colons, and commas\n"
    "Negative prompt: bad hands\nsecond negative line\n"
    "Steps: 25, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 768x512, CFG rescale: 0.7, "
    "Eta DDIM: 0.5, Timestep spacing: trailing, Original size: 1024x1024, Target size: 1024x1024, "
    "Version: Gesso 0.1.0",
]

COMFY = [
    {"3": {"class_type": "KSampler", "inputs": {
        "seed": 156680208700286, "steps": 20, "cfg": 8, "sampler_name": "euler", "scheduler": "normal",
        "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
     "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
     "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 512, "width": 512}},
     "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "beautiful scenery nature glass bottle landscape, purple galaxy bottle,"}},
     "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "text, watermark"}},
     "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
     "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}},
    {"10": {"class_type": "KSamplerAdvanced", "inputs": {
        "add_noise": "enable", "noise_seed": 721897303308196, "steps": 25, "cfg": 7.5,
        "sampler_name": "dpmpp_2m", "scheduler": "karras", "start_at_step": 0, "end_at_step": 25,
        "return_with_leftover_noise": "disable", "model": ["12", 0], "positive": ["13", 0],
        "negative": ["14", 0], "latent_image": ["11", 0]}},
     "11": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
     "12": {"class_type": "LoraLoader", "inputs": {"lora_name": "x.safetensors", "strength_model": 0.8,
                                                   "strength_clip": 0.8, "model": [15, 0], "clip": [15, 1]}},
     "13": {"class_type": "CLIPTextEncodeSDXL", "inputs": {"text_g": "a fox in the snow", "text_l": "a fox",
                                                           "width": 1024, "height": 1024, "clip": ["12", 1]}},
     "14": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["16", 0], "conditioning_2": ["13", 0]}},
     "15": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
     "16": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["12", 1]}}},
    {"1": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 4, "cfg": 1.5, "sampler_name": "lcm",
                                                "scheduler": "sgm_uniform", "denoise": 0.6, "model": ["1", 0],
                                                "positive": ["2", 0], "negative": ["2", 0], "latent_image": ["3", 0]}},
     "2": {"class_type": "CLIPTextEncode", "inputs": {"text": ["4", 0]}},
     "3": {"class_type": "VAEEncode", "inputs": {"pixels": ["5", 0]}}},
]


def text_seeds():
    for i, text in enumerate(A1111):
        write("fuzz_a1111_parameters", "a1111_%d.txt" % i, text)
    write("fuzz_a1111_parameters", "prompt_only.txt", "just a prompt, no settings: here")
    for i, graph in enumerate(COMFY):
        write("fuzz_comfyui_prompt", "comfy_%d.json" % i, json.dumps(graph, separators=(",", ":")))
    write("fuzz_comfyui_prompt", "a1111_as_prompt.txt", A1111[0])  # not JSON: must be refused quietly


PROMPTS = [
    "masterpiece, (best quality:1.2), ((detailed)), [lowres], a \\(literal\\) bracket",
    "a castle on a hill BREAK dramatic sky, (clouds:0.8) BREAK\nBREAK golden hour",
    "<lora:add_detail:0.7> portrait of a woman, <lyco:style:1> <hypernet:foo:0.5> (smile:1.1",
    "unbalanced ) and ] and (((deep (nesting:1.3)))) [[faint]] (weight: -0.5 ) (a:1.2.3)",
    "AND is plain text here: cat AND dog :1.5 AND bird",
]

SCHEDULES = [
    (20, "a [dog:cat:0.5] in a [field:forest:10] with [flowers:5]"),
    (30, "[red|green|blue] hair, [from:to:0.25] and [::3] [remove me::0.8]"),
    (50, "nested [a [b:c:0.3]:d:0.6] and (emphasis:1.2) and [x|[y:z:2]|w]"),
    (8, "bad grammar | at top level [x:y:] [unclosed:2"),
    (150, "[cat:dog:1e1] [a:b:-1] [c:d:.5] [e:f: 3 ]"),
]


def prompt_seeds():
    for i, text in enumerate(PROMPTS):
        write("fuzz_prompt_parser", "prompt_%d.txt" % i, text)
    for i, (steps, text) in enumerate(SCHEDULES):
        write("fuzz_prompt_schedule", "schedule_%d.bin" % i, bytes([steps - 1]) + text.encode())


def config_seeds(reference):
    names = []
    if reference and reference.is_dir():
        for model in ["tiny-sd15", "tiny-sdxl", "tiny-sd2v"]:
            for part in ["unet/config.json", "vae/config.json", "text_encoder/config.json",
                         "text_encoder_2/config.json", "scheduler/scheduler_config.json"]:
                path = reference / model / "diffusers" / part
                if path.is_file():
                    data = json.loads(path.read_text())
                    name = "%s_%s" % (model, part.split("/")[0])
                    write("fuzz_model_configs", name + ".json", json.dumps(data, separators=(",", ":")))
                    names.append(name)
    # Python's json.dumps writes bare -Infinity / NaN (diffusers' DPMSolverMultistepScheduler does).
    write("fuzz_model_configs", "dpm_scheduler_infinity.json",
          '{"_class_name":"DPMSolverMultistepScheduler","algorithm_type":"dpmsolver++","beta_end":0.012,'
          '"beta_schedule":"scaled_linear","beta_start":0.00085,"euler_at_final":false,'
          '"final_sigmas_type":"zero","lambda_min_clipped":-Infinity,"lower_order_final":true,'
          '"num_train_timesteps":1000,"prediction_type":"v_prediction","solver_order":2,'
          '"solver_type":"midpoint","steps_offset":1,"timestep_spacing":"trailing","use_karras_sigmas":true,'
          '"variance_type":null,"sample_max_value":NaN,"trained_betas":[0.1,0.2]}')
    write("fuzz_model_configs", "unet_sdxl_per_level.json",
          '{"_class_name":"UNet2DConditionModel","addition_embed_type":"text_time","addition_time_embed_dim":256,'
          '"attention_head_dim":[5,10,20],"block_out_channels":[320,640,1280],"cross_attention_dim":2048,'
          '"down_block_types":["DownBlock2D","CrossAttnDownBlock2D","CrossAttnDownBlock2D"],'
          '"in_channels":4,"layers_per_block":2,"num_attention_heads":null,'
          '"projection_class_embeddings_input_dim":2816,"transformer_layers_per_block":[1,2,10],'
          '"use_linear_projection":true,"upcast_attention":null}')
    write("fuzz_model_configs", "clip_with_projection.json",
          '{"architectures":["CLIPTextModelWithProjection"],"hidden_act":"gelu","hidden_size":1280,'
          '"intermediate_size":5120,"layer_norm_eps":1e-05,"max_position_embeddings":77,'
          '"num_attention_heads":20,"num_hidden_layers":32,"projection_dim":1280,"vocab_size":49408}')
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=pathlib.Path,
                        default=HERE.parent.parent / "shared" / "reference" / "models")
    args = parser.parse_args()
    torch_seeds()
    safetensors_seeds()
    library_seeds()
    ora_seeds()
    text_seeds()
    prompt_seeds()
    config_seeds(args.reference)
    for d in sorted(CORPUS.iterdir()):
        print("%-28s %d files" % (d.name, len(list(d.iterdir()))))


if __name__ == "__main__":
    main()
