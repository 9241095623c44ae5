// Precompiled header for gesso_core and the targets that reuse it: heavy, stable third-party headers only.
#pragma once
#include <QtCore/QString>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <torch/torch.h>
#include <vector>
