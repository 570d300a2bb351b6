#pragma once
// JSON helpers shared by the broker's metadata tables and request bodies: they all read
// documents written by fastjson (unquoted keys allowed) and carry RocketMQ's DataVersion.
// Errors are kInvalidArgument naming the field path, never an exception or a crash.

#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver::broker {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Parses `json` (fastjson's dialect) into a document whose root is an object. `what`
// names the root in the error ("the document is not a JSON object").
StatusOr<rapidjson::Document> ParseJsonObject(std::string_view json,
                                              std::string_view what = "document");

// "field PATH is not EXPECTED".
Status BadJsonField(std::string_view path, std::string_view expected);

// Reads the optional member "dataVersion" of `root` ({stateVersion, timestamp, counter});
// absent or null leaves `out` as it is.
Status ReadDataVersion(const rapidjson::Value& root, DataVersion& out);
// Writes the key "dataVersion" and its object.
void WriteDataVersion(JsonWriter& w, const DataVersion& version);

}  // namespace quiver::broker
