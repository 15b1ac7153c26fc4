#include <stdlib.h>
#include "util.h"
#include "c.h"
