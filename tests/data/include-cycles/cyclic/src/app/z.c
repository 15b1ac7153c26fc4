#include "config.h"
#include "z.h"
