#pragma once
// --lora-dir and --embedding-dir (both repeatable), shared by the generation commands and `encode`: where
// <lora:NAME> tags and embedding trigger words are looked up. Without them, the LoRA and embedding files the
// model library's index knows (`gesso-cli models scan` and the app keep it; GESSO_LIBRARY_INDEX overrides
// where it is).
#include <QtCore/QCommandLineParser>

#include <string>
#include <vector>

namespace gesso::cli {

void addNetworkOptions(QCommandLineParser& parser);

std::vector<std::string> loraPaths(const QCommandLineParser& parser);
std::vector<std::string> embeddingPaths(const QCommandLineParser& parser);

} // namespace gesso::cli
