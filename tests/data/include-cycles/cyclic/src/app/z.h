#pragma once
#include "x.h"
