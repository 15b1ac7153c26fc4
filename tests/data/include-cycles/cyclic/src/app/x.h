#pragma once
#include <stdio.h>
#include "y.h"
