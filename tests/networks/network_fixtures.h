#pragma once
// Builds the tiny reference models straight from their diffusers folders (until the checkpoint loader
// provides the same through model::loadCheckpoint).
#include "core/model/unet.h"
#include "core/model/vae.h"

#include <filesystem>

namespace gesso::test {

// Both loaders build on test::testDevice() (GESSO_TEST_DEVICE, default cpu).
// <reference>/models/<model>/diffusers/<component>
std::filesystem::path diffusersComponent(const std::filesystem::path& reference, const std::string& model,
                                         const std::string& component);
model::Unet loadTinyUnet(const std::filesystem::path& reference, const std::string& model,
                         torch::ScalarType dtype = torch::kFloat32);
model::Vae loadTinyVae(const std::filesystem::path& reference, const std::string& model,
                       torch::ScalarType dtype = torch::kFloat32);

} // namespace gesso::test
