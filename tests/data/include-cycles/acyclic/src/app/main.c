#include "util.h"
#include "c.h"
#include "base.h"
#include "config.h"
