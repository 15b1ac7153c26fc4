#include "base.h"
#include "util.h"
