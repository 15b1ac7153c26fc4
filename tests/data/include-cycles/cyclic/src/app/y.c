#include "y.h"
  #  include "z.h"
