#pragma once
// A core header that includes a report header: the layer check must refuse it.
#include "keikai/report/model.h"
