// A fresh directory under the system temp dir for one test, removed with everything in it
// afterwards (unless keep_on_failure and the test failed: then it stays for a look).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace tandem::testing {

class temp_dir {
 public:
  explicit temp_dir(std::string_view prefix = "tandem-test", bool keep_on_failure = false)
      : keep_on_failure_(keep_on_failure) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (char* made = mkdtemp(pattern.data())) path_ = made;
  }
  ~temp_dir() {
    if (keep_on_failure_ && ::testing::Test::HasFailure()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
  bool keep_on_failure_ = false;
};

}  // namespace tandem::testing
