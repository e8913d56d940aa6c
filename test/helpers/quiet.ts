import "../../tools/quiet-services";
