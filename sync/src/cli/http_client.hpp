// The HTTP client moved to http/client.hpp (the server's reminder webhooks use it too);
// this header stays so that existing includes keep working.
#pragma once

#include "http/client.hpp"
