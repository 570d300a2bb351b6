// The quiver executable as users run it: exit status and the one-line error of bad
// configs, `quiver check`, `quiver plugins`, and `quiver start` with the kernel's recorder
// test plugins (start order, SIGTERM, reverse stop order, SIGHUP, failed start).
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "subprocess.h"

namespace quiver {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::Subprocess;

const std::string kQuiver = QUIVER_BIN;
const std::string kPluginDir = QUIVER_TEST_PLUGIN_DIR;

class CliTest : public ::testing::Test {
 protected:
  CliTest() {
    std::string pattern = (std::filesystem::temp_directory_path() / "quiver-cli-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
  }
  ~CliTest() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  // A broker made of recorder plugins.
  std::string RecorderBroker(const std::string& extra = "", const std::string& level = "info") {
    return "role = \"broker\"\nplugin_dirs = [\"" + kPluginDir + "\"]\n[log]\nlevel = \"" + level +
           "\"\n[broker]\nname = \"broker-a\"\nstore_dir = \"store\"\n"
           "[transport]\nplugin = \"recorder\"\n[registry]\nplugin = \"recorder\"\n"
           "[storage]\nplugin = \"recorder\"\n[replication]\nplugin = \"recorder\"\n" +
           extra;
  }

  struct Result {
    int status;
    std::string out;
    std::string err;
  };
  Result Run(const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> argv{kQuiver};
    argv.insert(argv.end(), args.begin(), args.end());
    Subprocess process(argv, env);
    const int status = process.Wait(30s);
    return {status, process.out(), process.err()};
  }

  std::filesystem::path dir_;
};

// "[logger] event" of every recorder line in a log.
std::vector<std::string> Recorded(const std::string& log) {
  std::vector<std::string> out;
  std::istringstream lines(log);
  std::string line;
  const std::regex pattern(R"(\[([a-z.]+)\] \[info\] recorder: (.*))");
  std::smatch m;
  while (std::getline(lines, line)) {
    if (!std::regex_search(line, m, pattern)) continue;
    // Lifecycle steps only: the broker's request-handler registrations are not steps.
    if (m[2].str().rfind("transport server handler", 0) == 0) continue;
    out.push_back("[" + m[1].str() + "] " + m[2].str());
  }
  return out;
}

TEST_F(CliTest, VersionPrintsTheVersion) {
  Result r = Run({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "quiver 0.1.0\n");
}

TEST_F(CliTest, MissingSubcommandIsAUsageError) {
  Result r = Run({});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "quiver: A subcommand is required; run 'quiver --help' for usage\n");
}

TEST_F(CliTest, StartWithoutConfigIsAUsageError) {
  Result r = Run({"start"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "quiver: --config is required; run 'quiver --help' for usage\n");
}

TEST_F(CliTest, MissingFileIsAConfigError) {
  const std::string path = (dir_ / "absent.toml").string();
  Result r = Run({"check", "-c", path});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, path + ": cannot read the file: No such file or directory\n");
}

TEST_F(CliTest, SyntaxErrorShowsItsPositionOnOneLine) {
  const std::string path = Write("bad.toml", "role = \"broker\"\nlisten = = 1\n");
  Result r = Run({"start", "-c", path});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, path + ":2:10: Error while parsing value: could not determine value type\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(CliTest, MissingRequiredKeyIsRejectedBeforeStarting) {
  const std::string path = Write("broker.toml", "role = \"broker\"\n[broker]\nstore_dir = \"s\"\n");
  Result r = Run({"start", "-c", path});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, path + ":2:1: broker.name: missing required key (expected a string)\n");
}

TEST_F(CliTest, UnknownRoleListsTheRoles) {
  const std::string path = Write("x.toml", "role = \"namesrv\"\n");
  Result r = Run({"check", "-c", path});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, path +
                       ":1:8: role: expected one of \"nameserver\", \"broker\", \"client\", "
                       "found \"namesrv\"\n");
}

TEST_F(CliTest, UnknownKeyInAPluginTableIsRejectedByCheck) {
  const std::string path =
      Write("broker.toml", RecorderBroker("[storage.recorder]\nfail_strat = true\n"));
  Result r = Run({"check", "-c", path});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, path +
                       ":17:1: unknown key storage.recorder.fail_strat (not read by storage "
                       "plugin \"recorder\"); check its spelling\n");
}

TEST_F(CliTest, UnknownPluginIsAConfigErrorNamingTheFile) {
  const std::string path =
      Write("client.toml", "role = \"client\"\n[transport]\nplugin = \"nosuch\"\n");
  Result r = Run({"check", "-c", path});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("quiver-transport-nosuch.so"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(CliTest, CheckPrintsTheRoleAndEveryPluginFile) {
  const std::string path = Write("broker.toml", RecorderBroker());
  Result r = Run({"check", "-c", path});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, path + ": OK (role broker; transport recorder " + kPluginDir +
                       "/quiver-transport-recorder.so, registry recorder " + kPluginDir +
                       "/quiver-registry-recorder.so, storage recorder " + kPluginDir +
                       "/quiver-storage-recorder.so, replication recorder " + kPluginDir +
                       "/quiver-replication-recorder.so)\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, CheckWarnsAboutTablesOfOtherRoles) {
  const std::string path = Write("broker.toml", RecorderBroker("[nameserver]\nlisten = \"x\"\n"));
  Result r = Run({"check", "-c", path});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr("[kernel] [warning] " + path +
                        ":16:2: table [nameserver] is not used by role \"broker\"; ignored"));
}

TEST_F(CliTest, PluginsListsKindNameVersionFileAndMarksShadowedAndBrokenOnes) {
  const std::filesystem::path second = dir_ / "more-plugins";
  std::filesystem::create_directories(second);
  std::filesystem::copy_file(kPluginDir + "/quiver-storage-recorder.so",
                             second / "quiver-storage-recorder.so");
  std::ofstream(second / "quiver-storage-garbage.so") << "not a shared library";
  Result r = Run({"plugins"}, {{"QUIVER_PLUGIN_PATH", kPluginDir + ":" + second.string()}});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("transport recorder 0.0.1 " + kPluginDir +
                               "/quiver-transport-recorder.so\n"));
  EXPECT_THAT(r.out,
              HasSubstr("storage recorder 0.0.1 " + kPluginDir + "/quiver-storage-recorder.so\n"));
  EXPECT_THAT(r.out, HasSubstr("storage recorder 0.0.1 " +
                               (second / "quiver-storage-recorder.so").string() + " (shadowed)\n"));
  EXPECT_THAT(r.out,
              HasSubstr("? ? ? " + (second / "quiver-storage-garbage.so").string() + " (error: "));
}

TEST_F(CliTest, StartRunsUntilSigtermThenStopsInReverseOrder) {
  const std::string path = Write("broker.toml", RecorderBroker());
  Subprocess node({kQuiver, "start", "-c", path});
  ASSERT_TRUE(node.WaitForStderr("[kernel] [info] broker started", 30s)) << node.err();
  node.Signal(SIGTERM);
  EXPECT_EQ(node.Wait(30s), 0) << node.err();
  EXPECT_THAT(node.err(), HasSubstr("received SIGTERM, stopping"));
  const std::string store = (dir_ / "store").string();
  EXPECT_THAT(
      Recorded(node.err()),
      ElementsAre(
          "[storage.recorder] store created", "[transport.recorder] transport server created",
          "[transport.recorder] transport client created",
          "[replication.recorder] replicator created", "[registry.recorder] registrar created",
          "[storage.recorder] store start in " + store, "[replication.recorder] replicator start",
          "[transport.recorder] transport server start 127.0.0.1:10911",
          "[registry.recorder] registrar start DefaultCluster/broker-a/0 at 127.0.0.1:10911",
          "[registry.recorder] registrar stop", "[transport.recorder] transport server stop",
          "[replication.recorder] replicator stop", "[transport.recorder] transport client stop",
          "[storage.recorder] store stop"));
  EXPECT_EQ(node.out(), "");  // stdout stays clean: logs go to stderr
}

TEST_F(CliTest, SighupReloadsTheLogLevel) {
  const std::string path = Write("broker.toml", RecorderBroker());
  Subprocess node({kQuiver, "start", "-c", path});
  ASSERT_TRUE(node.WaitForStderr("[kernel] [info] broker started", 30s)) << node.err();
  Write("broker.toml", RecorderBroker("", "debug"));
  node.Signal(SIGHUP);
  EXPECT_TRUE(node.WaitForStderr("SIGHUP: log level is now debug", 30s)) << node.err();
  Write("broker.toml", RecorderBroker("", "loud"));
  node.Signal(SIGHUP);
  EXPECT_TRUE(node.WaitForStderr(
      "SIGHUP: keeping the log level: " + path +
          ":4:9: log.level: expected one of \"trace\" | \"debug\" | \"info\" | \"warn\" | "
          "\"error\", found \"loud\"",
      30s))
      << node.err();
  node.Signal(SIGINT);
  EXPECT_EQ(node.Wait(30s), 0) << node.err();
  EXPECT_THAT(node.err(), HasSubstr("received SIGINT, stopping"));
}

TEST_F(CliTest, AFailedStartExitsOneWithOneLineAndStopsWhatStarted) {
  const std::string path =
      Write("broker.toml", RecorderBroker("[replication.recorder]\nfail_start = true\n"));
  Result r = Run({"start", "-c", path});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, EndsWith("\nfailed to start replication.recorder replicator: recorder "
                              "replicator refuses to start (fail_start = true)\n"));
  const std::vector<std::string> recorded = Recorded(r.err);
  ASSERT_GE(recorded.size(), 3u);
  EXPECT_THAT(
      std::vector<std::string>(recorded.end() - 3, recorded.end()),
      ElementsAre("[replication.recorder] replicator start refused",
                  "[transport.recorder] transport client stop", "[storage.recorder] store stop"));
}

}  // namespace
}  // namespace quiver
